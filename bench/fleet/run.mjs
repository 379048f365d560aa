// The fleet benchmark (`npm run bench -- --only=fleet`): 1, 2, 4 and 8 watcher processes on one
// redis-server (unix socket) and one simulator process, 20,000 tasks. Measured per fleet size, in a window
// after a warm-up: total polls per second (at the simulator), Redis calls per poll (INFO stats
// total_commands_processed, top-level calls only), Redis CPU per poll (the redis-server process's CPU time
// from /proc, and INFO commandstats of the scripts), Redis memory per pending task, rate violations (the
// simulator's). Then the takeover time after kill -9 and the latency with which a result reaches the
// processes that did not poll it. The store-level comparison with "the obvious design" (a lease key per
// task + rate-limiter-flexible) is bench/fleet-store.mjs, run alongside.
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { addTasks, resetStats, simStats, simTasks } from '../lib/sim-client.mjs';
import { startSimProcess } from '../lib/proc.mjs';

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
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

/** Bytes one pending task costs: its hash (sampled with MEMORY USAGE) plus its share of the due set. */
async function bytesPerTask(admin, dueKey, sample = 200) {
  const members = await admin.zrange(dueKey, 0, sample - 1);
  const base = dueKey.slice(0, -3);
  let hashes = 0;
  for (const m of members) hashes += Number(await admin.call('MEMORY', 'USAGE', `${base}t:${m}`, 'SAMPLES', '0'));
  const zset = Number(await admin.call('MEMORY', 'USAGE', dueKey, 'SAMPLES', '0')) / (await admin.zcard(dueKey));
  return Math.round(hashes / members.length + zset);
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
  // One process registers every task (the others poll for the fleet); memory is read once they are pending.
  workers[0].send({ cmd: 'watch', ids: ctx.ids });
  for (let i = 0; i < 200 && (await admin.zcard(ctx.dueKey)) < tasks; i++) await sleep(50);
  await sleep(warmupMs);
  const a = await info(admin);
  const simA = await simStats(sim.url);
  const cpuA = cpuSeconds(redis.proc.pid);
  await sleep(windowMs);
  const b = await info(admin);
  const simB = await simStats(sim.url);
  const cpuB = cpuSeconds(redis.proc.pid);
  const polls = simB.requests - simA.requests;
  const result = {
    processes: n,
    pollsPerSecond: Math.round((polls * 1000) / windowMs),
    redisRoundTripsPerPoll: round((b.roundTrips - a.roundTrips) / polls, 4),
    redisCpuMicrosPerPoll: round(((cpuB - cpuA) * 1e6) / polls, 1),
    scriptMicrosPerPoll: round((b.scriptUsec - a.scriptUsec) / polls, 1),
    bytesPerPendingTask: await bytesPerTask(admin, ctx.dueKey),
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

export async function fleetBenchmark({ quick = false, log = console.log } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kie-fleet-bench-'));
  const redis = await startRedis(dir);
  const admin = new Redis({ path: redis.socket });
  const sim = await startSimProcess({});
  try {
    const tasks = quick ? 5_000 : 20_000;
    const ids = await addTasks(sim.url, Array.from({ length: tasks }, () => ({ durationMs: 3_600_000, outcome: 'NEVER' })));
    // The due set's key: the watcher names the account by a hash of its key (RedisCoordinator's default).
    const account = `k${createHash('sha256').update('sim-key').digest('hex').slice(0, 12)}`;
    const ctx = { admin, sim, redis, ids, dueKey: `kie:{${account}}:due` };
    const sizes = quick ? [1, 2] : [1, 2, 4, 8];
    const runs = [];
    for (const n of sizes) {
      log(`  fleet: ${n} process(es) x ${tasks} tasks`);
      runs.push(await throughput({ n, tasks, warmupMs: quick ? 1_500 : 3_000, windowMs: quick ? 3_000 : 6_000 }, ctx));
      log(`    ${JSON.stringify(runs.at(-1))}`);
    }
    log('  fleet: takeover after kill -9');
    const kill = await takeover(ctx);
    log(`    ${JSON.stringify(kill)}`);
    log('  fleet: cross-process settle latency');
    const fan = await fanOut(ctx);
    log(`    ${JSON.stringify(fan)}`);
    return { tasks, runs, takeover: kill, fanOut: fan };
  } finally {
    admin.disconnect();
    await sim.stop();
    redis.proc.kill('SIGTERM');
    await new Promise((r) => redis.proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await fleetBenchmark({ quick: process.argv.includes('--quick') });
  console.log(JSON.stringify(r, null, 2));
}
