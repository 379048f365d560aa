import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { bundle } from '../helpers/bundle.js';
import { groupBy, maxInWindow } from '../helpers/windows.js';
import { sleep, until, useRedis } from './helpers.js';
import { RedisFleetStore } from '../../src/redis/index.js';

const redis = useRedis();
let workerJs: string;
let sim: KieSimulator;

beforeAll(async () => {
  workerJs = await bundle('test/redis/fixtures/fleet-worker.ts');
  sim = await startSimulator({ apiKey: 'sim-key' });
});
afterAll(async () => {
  await sim.close();
  rmSync(workerJs, { force: true });
});

interface Worker {
  readonly owner: string;
  readonly proc: ChildProcess;
  /** Tasks it used a claim for and has not reported yet. */
  readonly held: Set<string>;
  stats?: { stale: number; guarded: number; uses: number };
}

const workers: Worker[] = [];
afterEach(() => {
  for (const w of workers.splice(0)) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
});

function usesFile(): string {
  return join(redis.server().dir, 'uses.jsonl');
}

async function spawnWorker(owner: string, opts: { leaseMs: number; holdMs: number; skewMs: number }): Promise<Worker> {
  const config = { socket: redis.server().socket, simulator: sim.url, apiKey: 'sim-key', owner, tickMs: 20, maxClaims: 16, usesFile: usesFile(), ...opts };
  const proc = fork(workerJs, [], { env: { ...process.env, FLEET_WORKER: JSON.stringify(config) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const w: Worker = { owner, proc, held: new Set() };
  workers.push(w);
  await new Promise<void>((resolve, reject) => {
    proc.on('message', (m: { type: string; taskId?: string; stale?: number; guarded?: number; uses?: number }) => {
      if (m.type === 'ready') resolve();
      else if (m.type === 'held' && m.taskId) w.held.add(m.taskId);
      else if (m.type === 'reported' && m.taskId) w.held.delete(m.taskId);
      else if (m.type === 'stats') w.stats = { stale: m.stale ?? 0, guarded: m.guarded ?? 0, uses: m.uses ?? 0 };
    });
    proc.once('exit', (code) => reject(new Error(`worker ${owner} exited early (${code})`)));
  });
  return w;
}

async function stopWorkers(list: Worker[]): Promise<void> {
  await Promise.all(
    list
      .filter((w) => w.proc.exitCode === null && w.proc.signalCode === null)
      .map(
        (w) =>
          new Promise<void>((resolve) => {
            w.proc.once('exit', () => resolve());
            w.proc.send({ cmd: 'exit' });
          }),
      ),
  );
}

interface Use {
  t: string;
  at: number;
  f: number;
  o: string;
}
const readUses = (): Use[] =>
  readFileSync(usesFile(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Use);

/** Linux: a process stopped by a signal shows state T in /proc/<pid>/stat. */
const isStopped = (pid: number): boolean => / T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1] ?? '');

async function registerTasks(n: number): Promise<string[]> {
  const ids = sim.addTasks(Array.from({ length: n }, () => ({ durationMs: 600_000, outcome: 'NEVER' as const })));
  const store = redis.store();
  await store.register(ids.map((taskId) => ({ key: { family: 'gpt4o-image', taskId }, timeoutMs: 600_000 })));
  return ids;
}

function judge(ids: string[]): void {
  const uses = readUses();
  for (const [, list] of groupBy(uses, (u) => u.t)) expect(maxInWindow(list.map((u) => u.at), 1000)).toBeLessThanOrEqual(3);
  const stats = ids.map((id) => sim.taskStats(id));
  expect(stats.reduce((s, t) => s + (t?.violations ?? 0), 0)).toBe(0);
  // Every request at the server was one of the recorded uses: nothing was sent unrecorded. (A use is recorded just
  // before its request goes out, so a worker killed in between leaves a use without a request.)
  const requests = stats.reduce((s, t) => s + (t?.requests ?? 0), 0);
  expect(requests).toBeLessThanOrEqual(uses.length);
  expect(requests).toBeGreaterThan(0);
}

describe('a fleet of worker processes', () => {
  it('after kill -9 of one worker, others claim its held tasks within lease + 1 s; 0 windows over 3 per task', async () => {
    sim.resetStats();
    const leaseMs = 1_000;
    const ids = await registerTasks(12);
    const list = [
      await spawnWorker('w1', { leaseMs, holdMs: 250, skewMs: -200 }),
      await spawnWorker('w2', { leaseMs, holdMs: 250, skewMs: 0 }),
      await spawnWorker('w3', { leaseMs, holdMs: 250, skewMs: 200 }),
    ];
    const victim = list[0] as Worker;
    await until(() => victim.held.size >= 2, 5_000);
    await sleep(500);
    await until(() => victim.held.size >= 1, 5_000);
    const held = [...victim.held];
    victim.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await sleep(leaseMs + 1_500);
    await stopWorkers(list.slice(1));
    const uses = readUses();
    for (const taskId of held) {
      const next = uses.find((u) => u.t === taskId && u.at > killedAt && u.o !== victim.owner);
      expect(next, `task ${taskId} taken over`).toBeDefined();
      expect((next?.at ?? Infinity) - killedAt).toBeLessThanOrEqual(leaseMs + 1_000);
    }
    judge(ids);
  }, 30_000);

  for (const phase of ['before-send', 'before-reply'] as const) {
    it(`a worker SIGSTOPped past its lease (${phase}) does not use its stale claims when it wakes`, async () => {
      sim.resetStats();
      rmSync(usesFile(), { force: true });
      const leaseMs = 800;
      const ids = await registerTasks(6);
      // The other worker starts once the sleeper is stopped: it takes the sleeper's tasks over after the lease,
      // and the sleeper's stopped tick (or its claims) is then stale when it wakes.
      const sleeper = await spawnWorker('s1', { leaseMs, holdMs: 0, skewMs: 150 });
      await sleep(300);
      sleeper.proc.send({ cmd: 'stop-self', phase });
      expect(await until(() => isStopped(sleeper.proc.pid ?? 0), 5_000)).toBe(true);
      const list = [sleeper, await spawnWorker('s2', { leaseMs, holdMs: 0, skewMs: -150 })];
      await sleep(leaseMs + 700);
      sleeper.proc.kill('SIGCONT');
      await sleep(1_000);
      await stopWorkers(list);
      const stats = sleeper.stats;
      if (phase === 'before-send') expect(stats?.stale).toBeGreaterThanOrEqual(1);
      else expect(stats?.guarded).toBeGreaterThanOrEqual(1);
      judge(ids);
    }, 30_000);
  }
});

describe('resume after every process restarted', () => {
  it('lists the pending tasks the stopped fleet left behind', async () => {
    const ids = await registerTasks(50);
    const w = await spawnWorker('r1', { leaseMs: 1_000, holdMs: 0, skewMs: 0 });
    await sleep(300);
    w.proc.kill('SIGKILL');
    const later = new RedisFleetStore({ redis: redis.client() });
    try {
      expect((await later.listPending()).map((p) => p.key.taskId).sort()).toEqual([...ids].sort());
    } finally {
      await later.close();
    }
  });
});
