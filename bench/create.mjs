// The create scenario (`npm run bench -- --only=create`): generate() under the account's creation limit, its
// window compressed 20x (20 creates per 500 ms instead of per 10 s; tasks finish in 50-150 ms), against a
// simulator process that counts every create on arrival and bills per request body.
//
//   1. 2,000 generates from 1 process (in-process limit), from 1 and from 4 processes sharing a redis-server:
//      windows over the limit at the simulator, the limit used while work was queued, every generate settled;
//   2. a fault matrix, each create fault at 10% (500 generates each): prompts billed twice, unknown outcomes
//      reported with their key, beside the naive loop public clients use (retry every failure 3 times).
//
// Writes bench/create.json and the "Creating tasks" tables of docs/performance.md. CREATE_N=400 for a smoke run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { startSimProcess } from './lib/proc.mjs';
import { startRedis } from './fleet/run.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.CREATE_N ?? 2_000);
const FAULT_N = Math.max(100, Math.round(N / 4));
const LIMIT = { requests: 20, windowMs: 500 };
const REQUEST_TIMEOUT_MS = 1_000;
const API_KEY = 'bench-create-key';
const log = (m) => process.stdout.write(`${m}\n`);

function worker(config) {
  const child = spawn(process.execPath, [`${ROOT}bench/create-worker.mjs`, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let result;
  createInterface({ input: child.stdout }).on('line', (l) => {
    if (l.startsWith('RESULT ')) result = JSON.parse(l.slice(7));
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`create worker exited ${code}`)))),
  );
}

const control = async (url, route, body) => (await fetch(`${url}/__sim/${route}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) })).json();

async function withSim(fn) {
  const sim = await startSimProcess({ options: { apiKey: API_KEY, creation: { ...LIMIT, credits: 1e9 }, generate: { minDurationMs: 50, maxDurationMs: 150, failureRate: 0 } } });
  try {
    return await fn(sim.url);
  } finally {
    await sim.stop();
  }
}

/** One run: `processes` workers share `count` generates (or naive creates); the simulator's counters after. */
async function run(url, { processes, count, socket, mode = 'generate', faults = {} }) {
  await control(url, 'reset-stats', {});
  await control(url, 'create-faults', faults);
  const per = Math.ceil(count / processes);
  const base = { url, apiKey: API_KEY, ...LIMIT, requestTimeoutMs: REQUEST_TIMEOUT_MS, socket: socket ?? null, mode };
  const results = await Promise.all(Array.from({ length: processes }, (_, i) => worker({ ...base, name: `w${i}-${Date.now()}`, offset: i * per, count: Math.min(per, count - i * per) })));
  const sim = await control(url, 'creates');
  const spanMs = sim.lastArrivalAt - sim.firstArrivalAt;
  // All work is queued from the start, so a limit fully used fits `requests` arrivals in every window: N
  // arrivals need at least (N / requests - 1) windows between the first and the last.
  const used = sim.arrivals / (LIMIT.requests * (spanMs / LIMIT.windowMs + 1));
  const sum = (k) => results.reduce((a, r) => a + (r[k] ?? 0), 0);
  return { processes, count, sim, spanMs, used: Math.round(used * 1000) / 1000, settled: sum('settled'), succeeded: sum('succeeded'), unknown: sum('unknown'), unknownWithKey: sum('unknownWithKey'), created: sum('created'), results };
}

const FAULTS = [
  ['create, then reset', { resetAfterCreate: 0.1 }],
  ['create, then body 500', { body500AfterCreate: 0.1 }],
  ['create, then answer after the timeout', { slowAfterCreate: 0.1, slowMs: 1_500 }],
  ['429, then accept', { rateLimited: 0.1 }],
];

const load = loadavg()[0];
log(`create scenario: ${N} generates, limit ${LIMIT.requests} per ${LIMIT.windowMs} ms (20 per 10 s compressed 20x); load ${load.toFixed(2)}`);
const dir = mkdtempSync(join(tmpdir(), 'kie-bench-create-'));
const redis = await startRedis(dir);
const out = { date: new Date().toISOString(), load1m: Math.round(load * 100) / 100, limit: LIMIT, requestTimeoutMs: REQUEST_TIMEOUT_MS, throughput: [], faults: [] };
try {
  await withSim(async (url) => {
    for (const [label, p, socket] of [['1 process', 1, null], ['1 process, Redis', 1, redis.socket], ['4 processes, Redis', 4, redis.socket]]) {
      const r = await run(url, { processes: p, count: N, socket });
      log(`  ${label}: over the limit ${r.sim.windowViolations}, max in a window ${r.sim.maxInWindow}, used ${(r.used * 100).toFixed(1)}%, settled ${r.settled}/${N}, billed twice ${r.sim.billedTwice}`);
      out.throughput.push({ label, ...r, results: undefined });
    }
    for (const [label, faults] of FAULTS) {
      const ours = await run(url, { processes: 1, count: FAULT_N, socket: null, faults });
      const naive = await run(url, { processes: 1, count: FAULT_N, socket: null, faults, mode: 'naive' });
      log(`  ${label}: ours billed twice ${ours.sim.billedTwice}, unknown ${ours.unknown} (with key ${ours.unknownWithKey}) of ${ours.sim.faultsInjected + (faults.rateLimited ? ours.sim.rateLimited : 0)} faults; naive billed twice ${naive.sim.billedTwice}`);
      out.faults.push({ label, faults, ours: { ...ours, results: undefined }, naive: { ...naive, results: undefined } });
    }
  });
} finally {
  redis.proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
out.loadAfter1m = Math.round(loadavg()[0] * 100) / 100;
writeFileSync(`${ROOT}bench/create.json`, `${JSON.stringify(out, null, 2)}\n`);

const row = (cells) => `| ${cells.join(' | ')} |`;
const table = [
  `Measured ${out.date.slice(0, 10)}, load ${out.load1m} at the start (${out.loadAfter1m} at the end), \`npm run bench -- --only=create\` (bench/create.mjs): the creation window compressed 20x (${LIMIT.requests} creates per ${LIMIT.windowMs} ms), tasks of 50-150 ms, request timeout ${REQUEST_TIMEOUT_MS} ms; counted by the simulator on arrival. "Limit used": arrivals / (${LIMIT.requests} x (span between the first and the last arrival / window + 1)), all work queued from the start.`,
  '',
  row(['run', 'generates', 'windows over the limit', 'most in one window', 'limit used', 'settled', 'billed twice', 'wall time']),
  row(Array(8).fill('---')),
  ...out.throughput.map((r) => row([r.label, r.count, r.sim.windowViolations, r.sim.maxInWindow, `${(r.used * 100).toFixed(1)}%`, `${r.settled}/${r.count}`, r.sim.billedTwice, `${(r.spanMs / 1000).toFixed(1)} s`])),
  '',
  `Fault matrix, ${FAULT_N} prompts per row, each fault at 10% (seeded): kie-watcher's \`generate()\` with a key per prompt beside the naive loop (retry every failure 3 times, no key).`,
  '',
  row(['fault', 'faults injected', 'kie-watcher: billed twice', 'unknown outcomes reported (with their key)', 'naive loop: billed twice']),
  row(Array(5).fill('---')),
  // A 429 creates nothing and is counted apart (sim.rateLimited); the limiter keeps the window's own 429s at 0.
  ...out.faults.map((f) => row([f.label, f.ours.sim.faultsInjected + (f.faults.rateLimited ? f.ours.sim.rateLimited : 0), f.ours.sim.billedTwice, `${f.ours.unknown} (${f.ours.unknownWithKey})`, f.naive.sim.billedTwice])),
].join('\n');
const docs = `${ROOT}docs/performance.md`;
const text = readFileSync(docs, 'utf8');
const START = '<!-- create:start -->';
const END = '<!-- create:end -->';
const block = `${START}\n${table}\n${END}`;
writeFileSync(docs, text.includes(START) ? text.replace(new RegExp(`${START}[\\s\\S]*?${END}`), block) : `${text.trimEnd()}\n\n## Creating tasks\n\n${block}\n`);
log('wrote bench/create.json and docs/performance.md (Creating tasks)');
