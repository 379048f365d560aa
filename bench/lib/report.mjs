// Turns bench/results.json into the Markdown tables of docs/performance.md (between
// `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, so hand-written prose around them survives)
// and into the frontier plot, a hand-written SVG with no plotting dependency.
import { LEARNED_LABELS, learnedTargetText } from './learned-rows.mjs';

const fmt = (v, digits = 0) => (v === null || v === undefined ? 'n/a' : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const s = (ms, digits = 1) => (ms === null || ms === undefined ? 'n/a' : fmt(ms / 1000, digits));
const yes = (ok) => (ok ? 'met' : '**not met**');
import { callbackRowsText } from '../callback-rows.mjs';

const POLICY_LABELS = {
  fastest: "fastest allowed ('fastest', ~2.7/s)",
  fixed2s: 'fixed 2 s',
  fixed10s: "fixed 10 s (provider's quickstart)",
  awsExponential: 'AWS-waiter exponential (2 s to 120 s, jitter)',
  adaptive: "**default ('adaptive')**",
  oracle: 'oracle (one request at the end)',
  callbacksDelivered: '**callbacks, all delivered** (default policy, `expectCallbacks`)',
  callbacksLost20: '**callbacks, 20% lost**',
  callbacksLost: '**callbacks, all lost**',
  proposal: 'candidate (bench/lib/proposal.mjs, not shipped)',
  ...LEARNED_LABELS,
};
const PEER_LABELS = {
  'kie-watcher': '**kie-watcher** (default policy)',
  smithy: '`@smithy/util-waiter` `createWaiter` (2 s to 120 s)',
  azure: '`@azure/core-lro` `createHttpPoller` (2 s)',
  naive: '`setInterval` 1 s + global `fetch`',
};

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}
function table(head, rows) {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

export function tables(r) {
  const out = {};
  const m = r.meta;
  out.machine = [
    `Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC, mode \`${m.mode}\`, ${fmt(m.wallSeconds)} s wall: ${m.machine.cpuModel}, ${m.machine.cores} cores, ${m.machine.memoryGB} GB RAM, ${m.machine.platform}, Node ${m.machine.node}, load average ${m.machine.loadAverage1m} at start.`,
  ].join('\n');
  if (r.ceiling) {
    const c = r.ceiling;
    out.ceiling = table(
      ['', 'requests/s (median)', 'CPU ms per 1,000', 'rate violations', 'simulator CPU %'],
      [
        ['bare undici `Pool` loop (16 connections, 64 in flight)', fmt(c.bareGetPerSecond), fmt(c.bareCpuMsPer1000, 1), '-', c.rounds.filter((x) => x.mode === 'bare').map((x) => fmt(x.simulatorCpuPercent)).join(', ')],
        ["kie-watcher, policy 'fastest', 20,000 tasks, maxInFlight 64", fmt(c.watcherPollsPerSecond), fmt(c.watcherCpuMsPer1000, 1), fmt(c.violations), c.rounds.filter((x) => x.mode === 'watcher').map((x) => fmt(x.simulatorCpuPercent)).join(', ')],
        [
          '**ratio watcher / bare** (median of the per-round ratios)',
          `**${fmt(c.ratio, 2)}** (rounds: ${(c.pairedRatios ?? []).map((x) => fmt(x, 2)).join(', ')}; target >= 0.70: ${yes(c.ratio >= 0.7)})`,
          `${fmt(c.cpuRatio, 2)}x`,
          '',
          '',
        ],
      ],
    );
    out.ceilingRounds = table(
      ['round', 'mode', 'requests/s', 'CPU ms / 1,000', 'client CPU %', 'violations'],
      c.rounds.map((x, i) => [String(Math.floor(i / 2) + 1), x.mode, fmt(x.perSecond), fmt(x.cpuMsPer1000, 1), fmt(x.cpuPercent), fmt(x.violations)]),
    );
    if (c.watcherProfile) {
      out.profile = table(
        ['self %', 'function', 'where'],
        c.watcherProfile.map((p) => [fmt(p.selfPercent, 1), `\`${p.function}\``, p.where ? `\`${p.where.replace(/^node_modules\//, '')}\`` : '']),
      );
    }
  }
  if (r.scale) {
    out.scale = table(
      ['pending tasks', 'heap / task', 'RSS / task', 'RSS total (peak)', 'watch() call', 'polls/s', 'CPU / poll', 'event-loop delay p50 / p99', 'timers while pending', 'heap after settle vs before'],
      r.scale.map((x) => [
        fmt(x.tasks),
        `${fmt(x.heapPerPendingTaskBytes)} B`,
        `${fmt(x.rssPerPendingTaskBytes)} B`,
        `${fmt(x.rssPendingMB)} MB (${fmt(x.peakRssMB)} MB)`,
        `${fmt(x.watchCallMicros, 1)} µs`,
        fmt(x.pollsPerSecond),
        `${fmt(x.cpuMicrosPerPoll, 0)} µs`,
        `${fmt(x.eventLoopDelayMs.p50, 1)} / ${fmt(x.eventLoopDelayMs.p99, 1)} ms`,
        fmt(x.timers.whilePending),
        `+${fmt(x.settled.heapAboveBaselineMB, 1)} MB (${fmt(x.settled.resultCacheEntries)} cached results, ${fmt(x.settled.heapPerCachedResultBytes)} B each)`,
      ]),
    );
    const big = r.scale.find((x) => x.tasks >= 100_000);
    if (big) {
      out.scaleTargets = [
        `- 100k pending under 300 MB RSS: ${fmt(big.rssPendingMB)} MB after GC, ${fmt(big.peakRssMB)} MB peak: ${yes(big.peakRssMB < 300)}.`,
        `- Event-loop p99 under 50 ms: ${fmt(big.eventLoopDelayMs.p99, 1)} ms at 100k: ${yes(big.eventLoopDelayMs.p99 < 50)}.`,
        `- No timer per task: ${fmt(big.timers.whilePending)} active timer(s) with 100k tasks pending.`,
      ].join('\n');
    }
  }
  if (r.frontier) {
    const f = r.frontier;
    const w = r.config.workload;
    out.frontier = [
      `${f.adaptive.tasks} tasks, provider time compressed ${w.timeScale}x (durations capped at ${fmt(w.maxDurationMs / 60_000)} min, watch deadline ${fmt(w.timeoutMs / 60_000)} min); times below are provider time.`,
      '',
      table(
        ['policy', 'requests / task', 'delay p50', 'delay p95', 'delay p99', 'violations', 'timeouts', 'CPU s'],
        Object.keys(POLICY_LABELS).filter((p) => f[p]).map((p) => [
          POLICY_LABELS[p],
          fmt(f[p].requestsPerTask, 1),
          `${s(f[p].delayMs.p50, 2)} s`,
          `${s(f[p].delayMs.p95, 2)} s`,
          `${s(f[p].delayMs.p99, 2)} s`,
          fmt(f[p].violations),
          fmt(f[p].outcomes.timeout),
          fmt(f[p].cpuSeconds, 2),
        ]),
      ),
      '',
      `Target (default vs fixed 2 s: at most half the requests per task and a lower p95): requests ratio ${fmt(f.target.requestsRatio, 2)}, p95 ratio ${fmt(f.target.p95Ratio, 2)}: ${yes(f.target.met)}.`,
      ...(f.callbackTarget ? ['', callbackTargetText(f.callbackTarget)] : []),
      ...(f.learnedTarget ? ['', learnedTargetText(f.learnedTarget)] : []),
    ].join('\n');
  }
  if (r.frontier) {
    const text = callbackRowsText(r.frontier);
    if (text !== undefined) out.callbackRows = text;
  }
  if (r.peers) {
    const p = r.peers;
    const w = r.config.workload;
    const best = (key) => Math.min(...Object.values(p).map(key));
    out.peers = [
      `${p['kie-watcher'].tasks} tasks, provider time compressed ${w.timeScale}x, each poller in its own process against its own simulator process.`,
      '',
      table(
        ['poller', 'requests', 'requests / task', 'rate violations', 'delay p95', 'CPU s', 'peak RSS'],
        Object.keys(PEER_LABELS).map((k) => [PEER_LABELS[k], fmt(p[k].requests), fmt(p[k].requestsPerTask, 1), fmt(p[k].violations), `${s(p[k].delayMs.p95, 2)} s`, fmt(p[k].cpuSeconds, 2), `${fmt(p[k].peakRssMB)} MB`]),
      ),
      '',
      `Target (kie-watcher: 0 violations, fewest requests, least CPU and memory): violations ${yes(p['kie-watcher'].violations === 0)}, requests ${yes(p['kie-watcher'].requests === best((x) => x.requests))}, CPU ${yes(p['kie-watcher'].cpuSeconds === best((x) => x.cpuSeconds))}, memory ${yes(p['kie-watcher'].peakRssMB === best((x) => x.peakRssMB))}.`,
    ].join('\n');
  }
  if (r.fleet) {
    const { engine: e, store } = r.fleet;
    const worst = (key) => Math.max(...e.runs.map(key));
    const load = e.loadAverage ? ` Load average (1 min) ${fmt(e.loadAverage.start, 2)} at the start, ${fmt(e.loadAverage.end, 2)} at the end: the machine is shared, so polls/s vary with it; CPU per poll is CPU time, far less so.` : '';
    out.fleet = [
      `${fmt(e.tasks)} pending tasks shared by 1 to ${Math.max(...e.runs.map((x) => x.processes))} watcher processes, one redis-server (unix socket), one simulator process.${load}`,
      '',
      table(
        e.runs[0]?.streamsBytes === undefined
          ? ['processes', 'polls/s', 'Redis calls per poll', 'redis-server CPU per poll', 'script time per poll (commandstats)', 'Redis bytes per pending task (sampled: MEMORY USAGE)', 'rate violations']
          : ['processes', 'polls/s', 'Redis calls per poll', 'redis-server CPU per poll', 'script time per poll (commandstats)', 'Redis bytes per pending task (used_memory)', 'sampled hash + due share', 'TAT keys alive', 'rate violations'],
        e.runs.map((x) =>
          x.streamsBytes === undefined
            ? [fmt(x.processes), fmt(x.pollsPerSecond), fmt(x.redisRoundTripsPerPoll, 3), `${fmt(x.redisCpuMicrosPerPoll, 1)} µs`, `${fmt(x.scriptMicrosPerPoll, 1)} µs`, `${fmt(x.bytesPerPendingTask)} B`, fmt(x.violations)]
            : [fmt(x.processes), fmt(x.pollsPerSecond), fmt(x.redisRoundTripsPerPoll, 3), `${fmt(x.redisCpuMicrosPerPoll, 1)} µs`, `${fmt(x.scriptMicrosPerPoll, 1)} µs`, `${fmt(x.bytesPerPendingTask)} B`, `${fmt(x.sampledBytesPerTask)} B`, fmt(x.tatKeys), fmt(x.violations)],
        ),
      ),
      '',
      ...(e.runs[0]?.streamsBytes === undefined ? [] : [`Bytes per pending task: redis-server's \`used_memory\` at the window's end less before the tasks were registered, less the two streams (bounded by \`MAXLEN ~\` whatever the number of tasks: ${fmt(Math.round(Math.max(...e.runs.map((x) => x.streamsBytes)) / 1024))} KiB at most here), divided by the pending tasks. It counts the hashes, their expiry entries, the due set and the per-taskId TAT keys alive at that moment; the sampled column (\`MEMORY USAGE\` of 200 hashes plus the due set's share, the figure published before) leaves the last two out.`, '']),
      'Goals (issue 10), judged on the worst row:',
      `- Redis calls per poll <= 0.05: ${fmt(worst((x) => x.redisRoundTripsPerPoll), 3)}: ${yes(worst((x) => x.redisRoundTripsPerPoll) <= 0.05)}.`,
      `- Redis CPU per poll <= 15 µs: ${fmt(worst((x) => x.redisCpuMicrosPerPoll), 1)} µs: ${yes(worst((x) => x.redisCpuMicrosPerPoll) <= 15)}.`,
      `- Redis memory per pending task <= 350 B: ${fmt(worst((x) => x.bytesPerPendingTask))} B: ${yes(worst((x) => x.bytesPerPendingTask) <= 350)}.`,
      `- Takeover after kill -9 <= lease + 1 s: ${fmt(e.takeover.polledAgain)} of ${fmt(e.takeover.tasks)} held tasks polled again after ${fmt(e.takeover.takeoverMs)} ms (lease ${fmt(e.takeover.leaseMs)} ms, sampled every ${fmt(e.takeover.sampleMs)} ms): ${yes(e.takeover.polledAgain === e.takeover.tasks && e.takeover.takeoverMs <= e.takeover.leaseMs + 1000)}.`,
      `- Cross-process settle latency p99 <= 50 ms: ${fmt(e.fanOut.settledEverywhere)} of ${fmt(e.fanOut.tasks)} results reached all ${fmt(e.fanOut.processes)} processes, spread p50 ${fmt(e.fanOut.spreadMs.p50)} ms, p99 ${fmt(e.fanOut.spreadMs.p99)} ms, max ${fmt(e.fanOut.spreadMs.max)} ms: ${yes(e.fanOut.settledEverywhere === e.fanOut.tasks && e.fanOut.spreadMs.p99 <= 50)}.`,
      `- 0 rate violations: ${fmt(e.runs.reduce((a, x) => a + x.violations, 0) + e.takeover.violations + e.fanOut.violations)}: ${yes(e.runs.every((x) => x.violations === 0) && e.takeover.violations === 0 && e.fanOut.violations === 0)}.`,
    ].join('\n');
    if (e.dashboard) {
      const d = e.dashboard;
      out.fleetDashboard = [
        `${fmt(d.pendingTasks)} pending tasks, ${fmt(d.processes)} watcher processes polling, ${fmt(d.tabs)} dashboard tabs (Server-Sent Events clients of \`createDashboard\`'s Node handler on loopback, its own Redis connection), windows of ${fmt(d.windowMs)} ms.${d.loadAverage ? ` Load average (1 min) ${fmt(d.loadAverage.start, 2)} at the start, ${fmt(d.loadAverage.end, 2)} at the end${d.loadAverage.start > 3 || d.loadAverage.end > 3 ? ': the fleet polled far below its usual rate, so the dashboard\'s fixed cost weighs more per poll than on a quiet machine' : ''}.` : ''}`,
        '',
        table(
          ['window', 'tabs', 'polls/s', 'redis-server CPU per poll', 'redis-server CPU per second', 'Redis calls per poll', 'SSE frames per tab'],
          d.windows.map((w, i) => [fmt(i + 1), fmt(w.tabs), fmt(w.pollsPerSecond), `${fmt(w.redisCpuMicrosPerPoll, 1)} µs`, `${fmt(w.redisCpuPerSecondMs, 1)} ms`, fmt(w.redisRoundTripsPerPoll, 3), fmt(w.sseFramesPerTab, 1)]),
        ),
        '',
        `- A/B (same run, windows alternating): ${fmt(d.redisCpuMicrosPerPollWithout, 1)} µs per poll without tabs, ${fmt(d.redisCpuMicrosPerPollWith, 1)} µs with 5: ${fmt(d.abAddedPercent, 1)}% (window-to-window noise on a shared machine is of that order).`,
        `- Attributed: the dashboard alone (processes stopped, the ${fmt(d.alone.pending)} tasks still pending) costs Redis ${fmt(d.alone.tabsRedisCpuPerSecondMs - d.alone.idleRedisCpuPerSecondMs, 1)} ms of CPU per second with 5 tabs (${fmt(d.alone.tabsRedisCpuPerSecondMs, 1)} ms against ${fmt(d.alone.idleRedisCpuPerSecondMs, 1)} ms idle), ${fmt(d.attributedAddedPercent, 1)}% of the fleet's Redis CPU per second in the windows without tabs. Goal <= 5%: ${yes(d.attributedAddedPercent <= 5)}.`,
        `- Page responsiveness: \`/api/summary\` fetched twice a second while the tabs were open: ${fmt(d.summary.requests)} requests, p50 ${fmt(d.summary.p50Ms, 1)} ms, p95 ${fmt(d.summary.p95Ms, 1)} ms, max ${fmt(d.summary.maxMs, 1)} ms, showing ${fmt(d.summary.pendingShown)} pending.`,
      ].join('\n');
    }
    if (e.memory) {
      const m = e.memory;
      const p = m.parts;
      out.fleetMemory = [
        `${fmt(m.tasks)} tasks with ${fmt(m.taskIdLength)}-character ids, Redis ${m.redisVersion}, \`used_memory\` delta per task (streams left out), no polling (\`node bench/fleet/memory.mjs\`).`,
        '',
        table(
          ['through the store (RedisFleetStore)', 'bytes per task'],
          [
            ['registered (hash with `w`, `d`, `i`; its expiry; `due` entry)', `${fmt(m.store.registered)} B`],
            ['claimed (owner name and fence on the hash; every TAT key alive)', `${fmt(m.store.claimedAllTatKeysAlive)} B`],
            ['reported with a typical poll state, TAT keys expired', `${fmt(m.store.reportedNoTatKeys)} B`],
          ],
        ),
        '',
        table(
          ['one part at a time', 'bytes per task'],
          [
            ['`due` entry', `${fmt(p.dueEntry)} B`],
            ['hash, registered (`w`, `d`, `i`)', `${fmt(p.hashRegistered)} B`],
            ['the same without `i` (the interested processes)', `${fmt(p.hashRegisteredWithoutInterest)} B`],
            ['hash, polled (`w`, `d`, `i`, `f`, `o`, `s`)', `${fmt(p.hashPolled)} B`],
            ['the same with its expiry (TTL)', `${fmt(p.hashPolledWithExpiry)} B`],
            ['a TAT key (`g:<taskId>`, alive for one interval after each claim)', `${fmt(p.tatKey)} B`],
            ['pending and polled: hash + expiry + `due` entry', `${fmt(p.pendingPolled)} B`],
            ...(p.packedRecordAndDue === undefined ? [] : [['another layout: a 77-byte packed record in one account-wide hash + `due` entry', `${fmt(p.packedRecordAndDue)} B`]]),
          ],
        ),
      ].join('\n');
    }
    if (store) {
      out.fleetStore = [
        `${fmt(store.tasks)} tasks with 32-character ids, each due once every ${fmt(store.pollEveryMs)} ms, polls simulated by a timer (Redis side only), Redis ${store.redisVersion}, send guard widened to ${fmt(store.sendGuardMs)} ms; ${fmt(store.memory.fleetBytesPerTaskRegistered)} B per task once registered, before its first poll.`,
        '',
        table(
          ['design', 'processes', 'polls/s', 'Redis calls per poll', 'commandstats µs per poll', 'redis-server CPU µs per poll', 'claim p50 / p99', 'unused claims', 'bytes per task'],
          store.runs.map((x) => [x.design === 'fleet' ? '**fleet tick**' : 'obvious', fmt(x.processes), fmt(x.pollsPerSecond), fmt(x.roundTripsPerPoll, 4), fmt(x.redisCommandUsecPerPoll, 1), fmt(x.redisProcessCpuUsecPerPoll, 1), `${fmt(x.claimLatencyMs.p50, 1)} / ${fmt(x.claimLatencyMs.p99, 1)} ms`, fmt(x.unusedClaims), fmt(x.bytesPerPendingTask)]),
        ),
      ].join('\n');
    }
  }
  if (r.soak) {
    const k = r.soak;
    out.soak = [
      `Measured ${k.meta.date.slice(0, 16).replace('T', ' ')} UTC (Node ${k.meta.machine.node}): ${fmt(k.polls)} polls across ${fmt(k.tasks)} tasks in ${fmt(k.wallSeconds)} s (${fmt(k.pollsPerSecond)} polls/s, ${fmt(k.cpuMicrosPerPoll)} µs CPU per poll, peak RSS ${fmt(k.peakRssMB)} MB), ${fmt(k.violations)} rate violations.`,
      '',
      table(
        ['checkpoint', 'polls', 'pending', 'cached results', 'heap after GC', 'RSS'],
        k.checkpoints.map((c) => [c.label, fmt(c.polls), fmt(c.pending), fmt(c.cached), `${fmt(c.heapMB, 1)} MB`, `${fmt(c.rssMB)} MB`]),
      ),
      '',
      `Heap growth from 10% to 100% of the polls: ${fmt(k.heapGrowth10to100Percent, 1)}% (target within 10%: ${yes(Math.abs(k.heapGrowth10to100Percent) <= 10)}); from 50% (result cache already full) to 100%: ${fmt(k.heapGrowth50to100Percent, 1)}%.`,
    ].join('\n');
  }
  return out;
}

function callbackTargetText(t) {
  return [
    'Callback goals (issue 11):',
    `all delivered, p95 <= 0.5 s and <= 3 requests per task: ${s(t.delivered.p95, 2)} s, ${fmt(t.delivered.requestsPerTask, 1)} requests: ${yes(t.delivered.met)};`,
    `20% lost, p95 no worse than the default's and at most half its requests: p95 ratio ${fmt(t.lost20.p95Ratio, 2)}, requests ratio ${fmt(t.lost20.requestsRatio, 2)}: ${yes(t.lost20.met)};`,
    `all lost, p95 no worse than fixed 10 s: p95 ratio ${fmt(t.lost.p95Ratio, 2)}: ${yes(t.lost.met)}.`,
  ].join(' ');
}

/** Replaces each `<!-- bench:NAME -->...<!-- /bench:NAME -->` block whose table exists in this run. */
export function renderDocs(text, results) {
  const t = tables(results);
  return text.replace(/<!-- bench:([a-zA-Z]+) -->[\s\S]*?<!-- \/bench:\1 -->/g, (block, name) =>
    t[name] === undefined ? block : `<!-- bench:${name} -->\n${t[name]}\n<!-- /bench:${name} -->`,
  );
}

/** requests/task (y, log) against p95 detection delay (x, log), one point per policy. */
export function renderFrontierSvg(results) {
  const f = results.frontier;
  const W = 720;
  const H = 460;
  const L = 80;
  const R = 30;
  const T = 50;
  const B = 60;
  const pts = Object.keys(POLICY_LABELS).filter((p) => f[p]).map((p) => ({ p, x: Math.max(0.05, f[p].delayMs.p95 / 1000), y: Math.max(0.5, f[p].requestsPerTask) }));
  const [x0, x1] = [0.05, 300];
  const [y0, y1] = [0.5, 500];
  const X = (v) => L + ((Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0))) * (W - L - R);
  const Y = (v) => H - B - ((Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0))) * (H - T - B);
  const esc = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\*\*|`/g, '').replace(/'/g, '’');
  const lines = [];
  lines.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  lines.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  lines.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">Requests per task vs p95 detection delay (${f.adaptive.tasks} tasks, provider time)</text>`);
  for (const v of [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200]) {
    lines.push(`<line x1="${X(v)}" y1="${T}" x2="${X(v)}" y2="${H - B}" stroke="#eee"/><text x="${X(v)}" y="${H - B + 16}" text-anchor="middle" fill="#555">${v}</text>`);
  }
  for (const v of [1, 2, 5, 10, 20, 50, 100, 200, 500]) {
    lines.push(`<line x1="${L}" y1="${Y(v)}" x2="${W - R}" y2="${Y(v)}" stroke="#eee"/><text x="${L - 8}" y="${Y(v) + 4}" text-anchor="end" fill="#555">${v}</text>`);
  }
  lines.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`);
  lines.push(`<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">p95 detection delay (s, log scale)</text>`);
  lines.push(`<text transform="translate(22 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">requests per task (log scale)</text>`);
  // The target region: at most half of fixed 2 s's requests and a lower p95 than fixed 2 s.
  const fx = f.fixed2s;
  const rx = X(fx.delayMs.p95 / 1000);
  const ry = Y(fx.requestsPerTask / 2);
  lines.push(`<rect x="${L}" y="${ry}" width="${rx - L}" height="${H - B - ry}" fill="#2a9d8f" fill-opacity="0.08" stroke="#2a9d8f" stroke-dasharray="4 3"/>`);
  lines.push(`<text x="${L + 6}" y="${ry + 14}" fill="#2a9d8f">target for the default: &lt;= half of fixed 2 s’s requests, lower p95</text>`);
  for (const { p, x, y } of pts) {
    const color = p === 'adaptive' ? '#d62828' : p === 'oracle' ? '#2a9d8f' : p.startsWith('callbacks') ? '#e76f51' : '#264653';
    lines.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="${p === 'adaptive' ? 6 : 4.5}" fill="${color}"/>`);
    // Labels of points in the right third go to their left so they stay inside the plot.
    const left = X(x) > L + (2 * (W - L - R)) / 3;
    lines.push(`<text x="${(X(x) + (left ? -9 : 9)).toFixed(1)}" y="${(Y(y) - 7).toFixed(1)}" text-anchor="${left ? 'end' : 'start'}" fill="${color}">${esc(POLICY_LABELS[p])} (${fmt(y, 1)}, ${fmt(x, 2)} s)</text>`);
  }
  lines.push('</svg>');
  return `${lines.join('\n')}\n`;
}
