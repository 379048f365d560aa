// The fleet benchmark (`npm run bench -- --only=fleet`): 1, 2, 4 and 8 watcher processes on one
// redis-server (unix socket) and one simulator process, 20,000 tasks. Measured per fleet size, in a window
// after a warm-up: total polls per second (at the simulator), Redis calls per poll (INFO commandstats,
// top-level calls only), Redis CPU per poll (redis-server's `used_cpu_user + used_cpu_sys` from INFO, and
// INFO commandstats of the scripts), Redis memory per pending task (`used_memory` delta), rate violations (the
// simulator's). Then the takeover time after kill -9, the latency with which a result reaches the processes
// that did not poll it, and what 5 open dashboard tabs add to Redis CPU per poll (issue 19). The store-level
// comparison with "the obvious design" (a lease key per task + rate-limiter-flexible) is
// bench/fleet-store.mjs, run alongside. `node bench/fleet/run.mjs [--quick] [--dashboard]` runs this half alone
// (--dashboard: the dashboard scenario only).
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { addTasks, resetStats, simStats, simTasks } from '../lib/sim-client.mjs';
import { startSimProcess } from '../lib/proc.mjs';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
/** redis-server's CPU time (user + system, all its threads) in seconds, from INFO: µs resolution, not /proc's 10 ms. */
const cpuSeconds = async (admin) => {
  const text = await admin.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(text)[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(text)[1]);
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A redis-server on a unix socket in `dir`, no persistence (also used by bench/create.mjs). */
export function startRedis(dir) {
  const socket = join(dir, 'redis.sock');
  const proc = spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c) => {
      out += c;
      if (/ready to accept connections/i.test(out)) resolve({ socket, proc });
    });
    proc.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
}

/**
 * Top-level calls only: commands a script runs are counted in commandstats too, so client round trips are
 * the calls of the commands a client sends (scripts, stream reads, pings), and the scripts' time includes the
 * commands they run.
 */
async function info(admin) {
  const text = await admin.info('commandstats');
  let roundTrips = 0;
  let scriptUsec = 0;
  for (const m of text.matchAll(/^cmdstat_(\w+):calls=(\d+),usec=(\d+)/gm)) {
    if (['evalsha', 'eval', 'xread', 'ping'].includes(m[1])) roundTrips += Number(m[2]);
    if (m[1] === 'evalsha' || m[1] === 'eval') scriptUsec += Number(m[3]);
  }
  return { roundTrips, scriptUsec };
}

const usedMemory = async (admin) => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1]);

/**
 * Bytes one pending task costs, as Redis counts them: the `used_memory` delta since before the tasks were
 * registered (their hashes, their expiry entries, the due set, the per-taskId TAT keys alive at that moment),
 * less the two streams, which `MAXLEN ~` bounds whatever the number of tasks (reported apart, as a fixed cost).
 * Beside it, the older sampled figure: `MEMORY USAGE` of 200 task hashes plus the task's share of the due set,
 * which leaves out the expiry entries and the TAT keys.
 */
async function memoryPerTask(admin, dueKey, baseUsed, sample = 200) {
  const base = dueKey.slice(0, -3);
  const used = await usedMemory(admin);
  const pending = await admin.zcard(dueKey);
  const streams = Number((await admin.call('MEMORY', 'USAGE', `${base}events`)) ?? 0) + Number((await admin.call('MEMORY', 'USAGE', `${base}results`)) ?? 0);
  let tatKeys = 0;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${base}g:*`, 'COUNT', 5000);
    cursor = next;
    tatKeys += keys.length;
  } while (cursor !== '0');
  const members = await admin.zrange(dueKey, 0, sample - 1);
  let hashes = 0;
  for (const m of members) hashes += Number(await admin.call('MEMORY', 'USAGE', `${base}t:${m}`, 'SAMPLES', '0'));
  const zset = Number(await admin.call('MEMORY', 'USAGE', dueKey, 'SAMPLES', '0')) / pending;
  return {
    bytesPerPendingTask: Math.round((used - baseUsed - streams) / pending),
    streamsBytes: streams,
    tatKeys,
    sampledBytesPerTask: Math.round(hashes / members.length + zset),
  };
}

function worker(env) {
  const proc = fork(WORKER, [], { env: { ...process.env, FLEET_BENCH: JSON.stringify(env) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = new Promise((resolve, reject) => {
    proc.on('message', (m) => m.type === 'ready' && resolve());
    proc.once('exit', (c) => reject(new Error(`fleet worker exited ${c}`)));
  });
  const ask = (cmd, type) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === type) {
          proc.off('message', on);
          resolve(m);
        }
      };
      proc.on('message', on);
      proc.send({ cmd });
    });
  return {
    proc,
    ready,
    send: (m) => proc.send(m),
    report: () => ask('report', 'report'),
    close: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send({ cmd: 'close' });
      await Promise.race([exited, sleep(10_000).then(() => proc.kill('SIGKILL'))]);
    },
  };
}

/** Polls/s, Redis cost and memory with `n` processes sharing 20,000 pending tasks. */
async function throughput({ n, tasks, warmupMs, windowMs }, ctx) {
  const { admin, sim, redis } = ctx;
  await admin.flushall();
  await resetStats(sim.url);
  const workers = Array.from({ length: n }, () => worker({ socket: redis.socket, url: sim.url }));
  await Promise.all(workers.map((w) => w.ready));
  await sleep(500);
  const baseUsed = await usedMemory(admin);
  // One process registers every task (the others poll for the fleet); memory is read at the window's end.
  workers[0].send({ cmd: 'watch', ids: ctx.ids });
  for (let i = 0; i < 200 && (await admin.zcard(ctx.dueKey)) < tasks; i++) await sleep(50);
  await sleep(warmupMs);
  const a = await info(admin);
  const simA = await simStats(sim.url);
  const cpuA = await cpuSeconds(admin);
  await sleep(windowMs);
  const b = await info(admin);
  const simB = await simStats(sim.url);
  const cpuB = await cpuSeconds(admin);
  const polls = simB.requests - simA.requests;
  const result = {
    processes: n,
    pollsPerSecond: Math.round((polls * 1000) / windowMs),
    redisRoundTripsPerPoll: round((b.roundTrips - a.roundTrips) / polls, 4),
    redisCpuMicrosPerPoll: round(((cpuB - cpuA) * 1e6) / polls, 1),
    scriptMicrosPerPoll: round((b.scriptUsec - a.scriptUsec) / polls, 1),
    ...(await memoryPerTask(admin, ctx.dueKey, baseUsed)),
    pendingTasks: await admin.zcard(ctx.dueKey),
    violations: simB.violations,
  };
  await Promise.all(workers.map((w) => w.close()));
  return result;
}

/** After kill -9 of a worker holding claims, how long until every one of its tasks is polled again. */
async function takeover(ctx) {
  const { admin, sim, redis } = ctx;
  await admin.flushall();
  const leaseMs = 2_000;
  const ids = await addTasks(sim.url, Array.from({ length: 200 }, () => ({ durationMs: 3_600_000, outcome: 'NEVER' })));
  await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slow: 1, slowMs: 500 }) });
  const ws = [0, 1].map(() => worker({ socket: redis.socket, url: sim.url, leaseMs, requestTimeoutMs: 1_000 }));
  await Promise.all(ws.map((w) => w.ready));
  ws[0].send({ cmd: 'watch', ids });
  await sleep(2_500);
  const counts = async () => new Map((await simTasks(sim.url)).filter((t) => ids.includes(t.taskId)).map((t) => [t.taskId, t.requests]));
  const before = await counts();
  ws[0].proc.kill('SIGKILL');
  const killedAt = Date.now();
  const firstAfter = new Map();
  while (firstAfter.size < ids.length && Date.now() - killedAt < leaseMs + 10_000) {
    await sleep(25);
    const now = await counts();
    for (const [id, c] of now) if (!firstAfter.has(id) && c > (before.get(id) ?? 0)) firstAfter.set(id, Date.now() - killedAt);
  }
  await fetch(`${sim.url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await ws[1].close();
  const times = [...firstAfter.values()];
  return { leaseMs, tasks: ids.length, polledAgain: firstAfter.size, takeoverMs: times.length ? Math.max(...times) : null, sampleMs: 25, violations: (await simStats(sim.url)).violations };
}

/** How long after the process that polled a task settles it do the others hear: |tA - tB| per task. */
async function fanOut(ctx) {
  const { admin, sim, redis } = ctx;
  await admin.flushall();
  const ids = await addTasks(sim.url, Array.from({ length: 500 }, (_, i) => ({ durationMs: 2_000 + (i % 50) * 160, outcome: 'SUCCESS' })));
  const ws = [0, 1, 2].map(() => worker({ socket: redis.socket, url: sim.url }));
  await Promise.all(ws.map((w) => w.ready));
  for (const w of ws) w.send({ cmd: 'wait', ids });
  await sleep(12_000);
  const reports = await Promise.all(ws.map((w) => w.report()));
  await Promise.all(ws.map((w) => w.close()));
  const at = reports.map((r) => new Map(r.settled));
  const spreads = [];
  for (const id of ids) {
    const ts = at.map((m) => m.get(id)).filter((t) => typeof t === 'number' && t > 0);
    if (ts.length === at.length) spreads.push(Math.max(...ts) - Math.min(...ts));
  }
  return { processes: ws.length, tasks: ids.length, settledEverywhere: spreads.length, spreadMs: { p50: percentile(spreads, 50), p99: percentile(spreads, 99), max: spreads.length ? Math.max(...spreads) : null }, violations: (await simStats(sim.url)).violations };
}

/** `count` Server-Sent Events clients of the dashboard at `url`, each counting the frames it receives. */
async function openTabs(url, count) {
  const tabs = [];
  for (let i = 0; i < count; i++) {
    const ac = new AbortController();
    const res = await fetch(`${url}api/events`, { signal: ac.signal });
    const tab = { ac, frames: 0, reading: null };
    tab.reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body) tab.frames += (decoder.decode(chunk).match(/^data:/gm) ?? []).length;
      } catch {
        // aborted when the tab closes
      }
    })();
    tabs.push(tab);
  }
  return {
    frames: () => tabs.reduce((a, t) => a + t.frames, 0),
    close: async () => {
      for (const t of tabs) t.ac.abort();
      await Promise.all(tabs.map((t) => t.reading));
    },
  };
}

/**
 * Issue 19's cost: what 5 open dashboard tabs add to Redis CPU per poll with 20,000 pending tasks, measured in
 * the same run two ways. (1) A/B: 4 processes poll the fleet while windows without the dashboard and with 5
 * tabs alternate three times; the ratio of the mean Redis CPU per poll. (2) Attribution, far less noisy: with the
 * processes gone and the 20,000 tasks still pending, Redis CPU per second with the 5 tabs open less that with
 * none, divided by the fleet's Redis CPU per second in the windows without tabs. The tabs are real Server-Sent
 * Events clients of `createDashboard`'s Node handler (the handler `kie-watch dashboard` serves) on a loopback
 * HTTP server with its own Redis connection; while they are open `/api/summary` is fetched twice a second.
 */
async function dashboardCost({ n, tasks, warmupMs, windowMs }, ctx) {
  const { admin, sim, redis } = ctx;
  const { createDashboard } = await import('../../dist/dashboard/index.js');
  await admin.flushall();
  const workers = Array.from({ length: n }, () => worker({ socket: redis.socket, url: sim.url }));
  await Promise.all(workers.map((w) => w.ready));
  workers[0].send({ cmd: 'watch', ids: ctx.ids });
  for (let i = 0; i < 200 && (await admin.zcard(ctx.dueKey)) < tasks; i++) await sleep(50);
  await sleep(warmupMs);
  const dashRedis = new Redis({ path: redis.socket });
  const dash = createDashboard({ redis: dashRedis });
  const server = createServer(dash.node);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const latencies = [];
  const sampleSummary = () => {
    let stop = false;
    const done = (async () => {
      while (!stop) {
        const t0 = performance.now();
        const body = await (await fetch(`${url}api/summary`)).json();
        latencies.push({ ms: performance.now() - t0, pending: body.pending });
        await sleep(500);
      }
    })();
    return async () => {
      stop = true;
      await done;
    };
  };
  const windows = [];
  let alone;
  try {
    for (const open of [false, true, false, true, false, true]) {
      // The shared reader's first pass over the pending set runs at the first tab; windows measure the steady cost.
      const tabs = open ? await openTabs(url, 5) : null;
      await sleep(open ? 3_000 : 1_000);
      const stopSampling = open ? sampleSummary() : async () => undefined;
      const a = await info(admin);
      const simA = await simStats(sim.url);
      const cpuA = await cpuSeconds(admin);
      const framesA = tabs?.frames() ?? 0;
      await sleep(windowMs);
      const cpuB = await cpuSeconds(admin);
      const simB = await simStats(sim.url);
      const b = await info(admin);
      await stopSampling();
      const polls = simB.requests - simA.requests;
      windows.push({
        tabs: open ? dash.tabs : 0,
        polls,
        pollsPerSecond: Math.round((polls * 1000) / windowMs),
        redisCpuMicrosPerPoll: round(((cpuB - cpuA) * 1e6) / polls, 2),
        redisCpuPerSecondMs: round(((cpuB - cpuA) * 1e6) / windowMs, 1),
        redisRoundTripsPerPoll: round((b.roundTrips - a.roundTrips) / polls, 4),
        sseFramesPerTab: open ? round(((tabs?.frames() ?? 0) - framesA) / 5, 1) : 0,
      });
      await tabs?.close();
    }
    await Promise.all(workers.map((w) => w.close()));
    // The dashboard alone on the 20,000 pending tasks: Redis CPU per second with 5 tabs, and with none.
    await sleep(1_000);
    const perSecond = async () => {
      const c0 = await cpuSeconds(admin);
      await sleep(windowMs);
      return (((await cpuSeconds(admin)) - c0) * 1e6) / windowMs;
    };
    const idle = await perSecond();
    const tabs = await openTabs(url, 5);
    await sleep(3_000);
    const stopSampling = sampleSummary();
    const withTabs = await perSecond();
    await stopSampling();
    await tabs.close();
    alone = { idleRedisCpuPerSecondMs: round(idle, 2), tabsRedisCpuPerSecondMs: round(withTabs, 2), pending: await admin.zcard(ctx.dueKey) };
  } finally {
    server.closeAllConnections?.();
    await new Promise((r) => server.close(r));
    await dash.close();
    dashRedis.disconnect();
    await Promise.all(workers.map((w) => w.close()));
  }
  const mean = (xs) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const off = windows.filter((w) => w.tabs === 0);
  const on = windows.filter((w) => w.tabs > 0);
  const cpuOff = mean(off.map((w) => w.redisCpuMicrosPerPoll));
  const cpuOn = mean(on.map((w) => w.redisCpuMicrosPerPoll));
  const fleetCpuPerSecondMs = mean(off.map((w) => w.redisCpuPerSecondMs));
  const ms = latencies.map((l) => l.ms);
  return {
    processes: n,
    pendingTasks: tasks,
    tabs: 5,
    windowMs,
    windows,
    alone,
    redisCpuMicrosPerPollWithout: round(cpuOff, 2),
    redisCpuMicrosPerPollWith: round(cpuOn, 2),
    abAddedPercent: round(((cpuOn - cpuOff) / cpuOff) * 100, 1),
    attributedAddedPercent: round(((alone.tabsRedisCpuPerSecondMs - alone.idleRedisCpuPerSecondMs) / fleetCpuPerSecondMs) * 100, 2),
    summary: { requests: ms.length, p50Ms: round(percentile(ms, 50), 1), p95Ms: round(percentile(ms, 95), 1), maxMs: round(Math.max(...ms), 1), pendingShown: latencies.at(-1)?.pending ?? null },
  };
}

export async function fleetBenchmark({ quick = false, log = console.log, dashboardOnly = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kie-fleet-bench-'));
  const redis = await startRedis(dir);
  const admin = new Redis({ path: redis.socket });
  const sim = await startSimProcess({});
  try {
    const tasks = quick ? 5_000 : 20_000;
    const loadAtStart = round(loadavg()[0], 2);
    const ids = await addTasks(sim.url, Array.from({ length: tasks }, () => ({ durationMs: 3_600_000, outcome: 'NEVER' })));
    // The due set's key: the watcher names the account by a hash of its key (RedisCoordinator's default).
    const account = `k${createHash('sha256').update('sim-key').digest('hex').slice(0, 12)}`;
    const ctx = { admin, sim, redis, ids, dueKey: `kie:{${account}}:due` };
    const sizes = dashboardOnly ? [] : quick ? [1, 2] : [1, 2, 4, 8];
    const runs = [];
    for (const n of sizes) {
      log(`  fleet: ${n} process(es) x ${tasks} tasks`);
      runs.push(await throughput({ n, tasks, warmupMs: quick ? 1_500 : 3_000, windowMs: quick ? 3_000 : 6_000 }, ctx));
      log(`    ${JSON.stringify(runs.at(-1))}`);
    }
    if (dashboardOnly) {
      const dashboard = await dashboardCost({ n: 4, tasks, warmupMs: 3_000, windowMs: quick ? 3_000 : 6_000 }, ctx);
      return { tasks, loadAverage: { start: loadAtStart, end: round(loadavg()[0], 2) }, dashboard };
    }
    log('  fleet: takeover after kill -9');
    const kill = await takeover(ctx);
    log(`    ${JSON.stringify(kill)}`);
    log('  fleet: cross-process settle latency');
    const fan = await fanOut(ctx);
    log(`    ${JSON.stringify(fan)}`);
    log('  fleet: 5 dashboard tabs, 4 processes');
    const dashboard = await dashboardCost({ n: 4, tasks, warmupMs: quick ? 1_500 : 3_000, windowMs: quick ? 3_000 : 6_000 }, ctx);
    log(`    ${JSON.stringify({ ...dashboard, windows: undefined })}`);
    return { tasks, loadAverage: { start: loadAtStart, end: round(loadavg()[0], 2) }, runs, takeover: kill, fanOut: fan, dashboard };
  } finally {
    admin.disconnect();
    await sim.stop();
    redis.proc.kill('SIGTERM');
    await new Promise((r) => redis.proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await fleetBenchmark({ quick: process.argv.includes('--quick'), dashboardOnly: process.argv.includes('--dashboard') });
  console.log(JSON.stringify(r, null, 2));
}
