/** The page's one stylesheet, inlined and allowed by its hash (no `style` attribute anywhere). */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f7f7f8; --fg: #1c1d21; --muted: #6b6f76; --card: #fff; --line: #e3e4e8;
  --accent: #2f6fed; --ok: #1f9d55; --bad: #d64545; --warn: #c27c0e; }
@media (prefers-color-scheme: dark) { :root { --bg: #15161a; --fg: #e8e9ed; --muted: #9a9ea6; --card: #1e2026; --line: #30333b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: baseline; gap: 12px; padding: 14px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { font-size: 17px; margin: 0; }
#status { color: var(--muted); font-size: 13px; }
#status.live::before { content: "\\25CF "; color: var(--ok); }
#status.down::before { content: "\\25CF "; color: var(--bad); }
main { padding: 16px 20px; display: grid; gap: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 10px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 24px; font-variant-numeric: tabular-nums; }
.card.bad .value { color: var(--bad); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; overflow-x: auto; }
section h2 { font-size: 14px; margin: 0 0 8px; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .row { grid-template-columns: 1fr; } }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
td.id { font-family: ui-monospace, monospace; font-size: 12px; }
.muted { color: var(--muted); }
.bar { width: 90px; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; display: inline-block; vertical-align: middle; }
.bar > i { display: block; height: 100%; background: var(--accent); }
svg.chart { width: 100%; height: 70px; display: block; }
svg.chart polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
svg.chart.bad polyline { stroke: var(--bad); }
svg.chart text { fill: var(--muted); font-size: 10px; }
input[type=search] { width: 320px; max-width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); margin-bottom: 8px; }
.results { display: flex; flex-wrap: wrap; gap: 10px; }
.result { width: 150px; font-size: 12px; }
.result .id { font-family: ui-monospace, monospace; font-size: 11px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.result img { width: 150px; height: 150px; object-fit: cover; border-radius: 6px; background: var(--line); display: block; }
.result .ph { width: 150px; height: 150px; border-radius: 6px; background: var(--line); display: flex; align-items: center; justify-content: center; color: var(--muted); }
.fail td.reason { white-space: normal; color: var(--bad); }
.pill { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 11px; background: var(--line); }
.pill.gone { background: var(--bad); color: #fff; }
`;
