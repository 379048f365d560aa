import { createHash } from 'node:crypto';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * Only the page's own script and style run (by hash: no nonce to leak, nothing `unsafe-inline`); it connects to
 * its own origin only. Images may come from any http(s) host: the result thumbnails are the provider's URLs,
 * loaded after the page without a referrer.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(PAGE_SCRIPT)}`,
  `style-src ${sha256(PAGE_STYLE)}`,
  "img-src 'self' data: https: http:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

const card = (metric: string, label: string): string =>
  `<div class="card" data-card="${metric}"><div class="label">${label}</div><div class="value" data-metric="${metric}">-</div></div>`;

/** The whole page; `base` is the path its API lives under (ends with `/`). */
export function renderPage(base: string): string {
  return `<!doctype html>
<html lang="en" data-base="${escapeAttr(base)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>kie-watcher fleet</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>kie-watcher fleet</h1><span id="status">connecting...</span></header>
<main>
<div class="cards">
${card('pending', 'pending')}
${card('inFlight', 'polls in flight')}
${card('pollsPerSecond', 'polls / s')}
${card('rateLimited', '429s, last minute')}
${card('rateLimited15m', '429s, 15 min')}
${card('completed', 'completed, 1 h')}
${card('failed', 'failed, 1 h')}
${card('timeout', 'timed out, 1 h')}
</div>
<div class="row">
<section><h2>Polls per second, 15 minutes</h2><svg class="chart" id="polls-chart" viewBox="0 0 300 70" preserveAspectRatio="none"></svg></section>
<section><h2>429 answers, 15 minutes</h2><svg class="chart bad" id="limited-chart" viewBox="0 0 300 70" preserveAspectRatio="none"></svg></section>
</div>
<div class="row">
<section><h2>Pending by family and state <span class="muted" id="breakdown-at"></span></h2>
<table><thead><tr><th>family</th><th>pending</th><th>by state</th></tr></thead><tbody data-breakdown></tbody></table></section>
<section><h2>Accounts</h2>
<table><thead><tr><th>account</th><th>pending</th><th>429 pause</th><th>budget in use</th></tr></thead><tbody data-accounts></tbody></table></section>
</div>
<section><h2>Processes</h2>
<table><thead><tr><th>process</th><th>tasks held (leases)</th><th>slots</th><th>polls</th><th>429s</th><th>last seen</th><th></th></tr></thead><tbody data-processes></tbody></table></section>
<section><h2>Tasks</h2>
<input type="search" data-search placeholder="search a taskId" aria-label="search a taskId" autocomplete="off" spellcheck="false">
<table><thead><tr><th>taskId</th><th>family</th><th>state</th><th>progress</th><th>last poll</th><th>next due</th><th>owner</th><th>retries</th></tr></thead><tbody data-tasks></tbody></table></section>
<section><h2>Recent results</h2><div class="results" data-recent></div></section>
<section><h2>Recent failures</h2>
<table><thead><tr><th>taskId</th><th>family</th><th>code</th><th>reason</th><th>when</th></tr></thead><tbody data-failures></tbody></table></section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
