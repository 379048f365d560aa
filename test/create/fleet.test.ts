import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { bundle } from '../helpers/bundle.js';
import { RedisServer } from '../helpers/redis-server.js';

/*
 * Creating in a fleet: forked processes, each a TaskWatcher on a RedisCoordinator over one real redis-server,
 * creating against one simulator, which counts every create on arrival and bills per request body.
 */

interface Outcome {
  readonly key: string;
  readonly taskId?: string;
  readonly code?: string;
  readonly at: number;
}

class Worker {
  readonly results = new Map<string, Outcome>();
  readonly proc: ChildProcess;
  constructor(proc: ChildProcess) {
    this.proc = proc;
    proc.on('message', (m: { type: string } & Outcome) => {
      if (m.type === 'result') this.results.set(m.key, m);
    });
  }
  submit(jobs: { key: string; prompt: string; resubmit?: boolean }[], generate = false): void {
    this.proc.send({ cmd: 'submit', jobs, generate });
  }
  async result(key: string, timeoutMs = 20_000): Promise<Outcome> {
    const end = Date.now() + timeoutMs;
    while (!this.results.has(key)) {
      if (Date.now() > end) throw new Error(`no result for ${key}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.results.get(key) as Outcome;
  }
  async close(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.send({ cmd: 'close' });
    await exited;
  }
}

let redis: RedisServer;
let sim: KieSimulator;
let script: string;
const workers: Worker[] = [];

beforeAll(async () => {
  script = await bundle('test/create/fixtures/fleet-create-worker.ts');
  redis = await RedisServer.start();
  sim = await startSimulator({ apiKey: 'fleet-create-key', generate: { minDurationMs: 50, maxDurationMs: 150, failureRate: 0 }, creation: { requests: 6, windowMs: 600 } });
}, 60_000);

afterEach(async () => {
  for (const w of workers.splice(0)) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  sim.resetStats();
  sim.setCreateFaults({});
  const admin = redis.client();
  await admin.flushall();
  admin.disconnect();
});

afterAll(async () => {
  await sim?.close();
  await redis?.stop();
  rmSync(script, { force: true });
});

async function worker(opts: { requestTimeoutMs?: number; skewMs?: number } = {}): Promise<Worker> {
  const config = { socket: redis.socket, simulator: sim.url, apiKey: 'fleet-create-key', requests: 6, windowMs: 600, requestTimeoutMs: opts.requestTimeoutMs ?? 1_500, skewMs: opts.skewMs ?? 0 };
  const proc = fork(script, [], { env: { ...process.env, CREATE_WORKER: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const w = new Worker(proc);
  workers.push(w);
  await new Promise<void>((resolve, reject) => {
    proc.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
    proc.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return w;
}

const jobs = (prefix: string, n: number): { key: string; prompt: string }[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i}`, prompt: `${prefix} fox ${i}` }));

describe('the creation limit is fleet-wide, on arrival at the provider', () => {
  it('3 processes, 20 generates each, 6 per 600 ms: no window at the simulator holds more than 6, and the limit is used', async () => {
    // Clocks 0, +7 s and -4 s off: the window runs on Redis time, so skewed hosts still share it.
    const ws = await Promise.all([worker(), worker({ skewMs: 7_000 }), worker({ skewMs: -4_000 })]);
    const start = Date.now();
    ws.forEach((w, i) => w.submit(jobs(`p${i}`, 20), true));
    const outcomes = await Promise.all(ws.flatMap((w, i) => jobs(`p${i}`, 20).map((j) => w.result(j.key, 40_000))));
    const elapsed = Date.now() - start;
    expect(outcomes.filter((o) => o.taskId === undefined)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.taskId)).size).toBe(60);
    const st = sim.createStats();
    expect({ violations: st.windowViolations, rateLimited: st.rateLimited, created: st.created, billedTwice: st.billedTwice }).toEqual({ violations: 0, rateLimited: 0, created: 60, billedTwice: 0 });
    expect(st.maxInWindow).toBe(6);
    // 10 windows of 600 ms, each slot held a little past its answer: the fleet uses the limit, not a fraction of it.
    expect(elapsed).toBeLessThan(10 * (600 + 250) + 2_000);
  }, 60_000);
});

describe('submit keys are seen by every process of the fleet', () => {
  it('a key out in one process: another process shares that one request and its taskId; a third gets it with no request', async () => {
    const [a, b, c] = await Promise.all([worker(), worker(), worker()]);
    sim.setCreateFaults({ slowAfterCreate: 1, slowMs: 600 });
    a.submit([{ key: 'order-17', prompt: 'shared fox' }]);
    await until(() => sim.createStats().arrivals === 1);
    b.submit([{ key: 'order-17', prompt: 'shared fox' }]);
    const [ra, rb] = await Promise.all([a.result('order-17'), b.result('order-17')]);
    expect(ra.taskId).toBeDefined();
    expect(rb.taskId).toBe(ra.taskId);
    sim.setCreateFaults({});
    c.submit([{ key: 'order-17', prompt: 'shared fox' }]);
    expect((await c.result('order-17')).taskId).toBe(ra.taskId);
    expect(sim.createStats()).toMatchObject({ arrivals: 1, created: 1, billedTwice: 0 });
  }, 30_000);

  it('an unknown outcome in one process rejects the key in every other, without a request, until resubmit', async () => {
    const [a, b] = await Promise.all([worker(), worker()]);
    sim.setCreateFaults({ resetAfterCreate: 1 });
    a.submit([{ key: 'order-18', prompt: 'lost fox' }]);
    expect((await a.result('order-18')).code).toBe('KIE_SUBMIT_UNKNOWN');
    sim.setCreateFaults({});
    b.submit([{ key: 'order-18', prompt: 'lost fox' }]);
    expect((await b.result('order-18')).code).toBe('KIE_SUBMIT_UNKNOWN');
    expect(sim.createStats().arrivals).toBe(1);
    b.results.clear();
    b.submit([{ key: 'order-18', prompt: 'lost fox', resubmit: true }]);
    expect((await b.result('order-18')).taskId).toBeDefined();
    expect(sim.createStats().arrivals).toBe(2);
  }, 30_000);

  it('a process killed (kill -9) with its create out: another process finds the key unknown after its bound, never free', async () => {
    const [a, b] = await Promise.all([worker({ requestTimeoutMs: 400 }), worker({ requestTimeoutMs: 400 })]);
    sim.setCreateFaults({ slowAfterCreate: 1, slowMs: 5_000 });
    a.submit([{ key: 'order-19', prompt: 'orphan fox' }]);
    await until(() => sim.createStats().arrivals === 1);
    a.proc.kill('SIGKILL');
    sim.setCreateFaults({});
    const t0 = Date.now();
    b.submit([{ key: 'order-19', prompt: 'orphan fox' }]);
    const rb = await b.result('order-19');
    expect(rb.code).toBe('KIE_SUBMIT_UNKNOWN');
    // It waited for the dead process's bound (2 x 400 ms + 120 ms margin from the send), then said unknown.
    expect(Date.now() - t0).toBeGreaterThan(300);
    expect(sim.createStats()).toMatchObject({ arrivals: 1, created: 1 });
  }, 30_000);
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
