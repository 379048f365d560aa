import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSimulator, type KieSimulator, type KieSimulatorOptions } from '../../src/simulator/index.js';
import { bundle } from '../helpers/bundle.js';
import { RedisServer, type RedisServerOptions } from '../helpers/redis-server.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

export interface Settled {
  readonly taskId: string;
  readonly outcome: string;
  readonly at: number;
}

/** A worker process: a TaskWatcher on a RedisCoordinator, driven over IPC. */
export class FleetWorker {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly settled = new Map<string, Settled>();
  readonly events: { name: string; taskId: string }[] = [];
  readonly coordinator: { status: string; at: number }[] = [];
  readonly errors: string[] = [];
  readonly pokes: { taskId: string; watchedHere: boolean; at: number }[] = [];
  resumed: number | undefined;
  closed: { pending: number; stats: Record<string, number> } | undefined;

  constructor(name: string, proc: ChildProcess) {
    this.name = name;
    this.proc = proc;
    proc.on('message', (m: { type: string } & Record<string, unknown>) => {
      if (m.type === 'settled') this.settled.set(m['taskId'] as string, m as unknown as Settled);
      else if (m.type === 'event') this.events.push({ name: m['name'] as string, taskId: m['taskId'] as string });
      else if (m.type === 'coordinator') this.coordinator.push({ status: m['status'] as string, at: m['at'] as number });
      else if (m.type === 'error') this.errors.push(m['message'] as string);
      else if (m.type === 'poked') this.pokes.push({ taskId: m['taskId'] as string, watchedHere: m['watchedHere'] as boolean, at: m['at'] as number });
      else if (m.type === 'resumed') this.resumed = m['count'] as number;
      else if (m.type === 'closed') this.closed = { pending: m['pending'] as number, stats: m['stats'] as Record<string, number> };
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  wait(ids: readonly string[], options: { timeoutMs?: number; family?: string } = {}): void {
    this.proc.send({ cmd: 'wait', ids, ...options });
  }

  watch(ids: readonly string[], timeoutMs?: number): void {
    this.proc.send({ cmd: 'watch', ids, timeoutMs });
  }

  resume(): void {
    this.proc.send({ cmd: 'resume' });
  }

  /** `watcher.poke(id)`, as a callback handler in this process would call it. */
  poke(id: string): void {
    this.proc.send({ cmd: 'poke', id });
  }

  /** `watcher.close()`, then the process exits. */
  async close(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.send({ cmd: 'close' });
    await exited;
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }
}

export interface WorkerOptions {
  readonly skewMs?: number;
  readonly leaseMs?: number;
  readonly requestTimeoutMs?: number;
  readonly policy?: 'fastest' | 'adaptive' | { readonly intervalMs: number };
  readonly accountRequestsPerSecond?: number | null;
  readonly redisUrl?: string;
  /** Run on this Redis Cluster (an ioredis `Cluster` in the worker) instead of the suite's redis-server. */
  readonly cluster?: readonly { readonly host: string; readonly port: number }[];
  readonly rateJitterMarginMs?: number;
  readonly retry?: { readonly baseDelayMs?: number; readonly maxDelayMs?: number; readonly maxConsecutiveErrors?: number };
  readonly unknownTaskGraceMs?: number;
}

/**
 * One redis-server and one simulator per test file, a bundled worker script, and the workers each test starts
 * (killed after it). The simulator counts every request's arrival per task: it is the judge of the limit.
 */
export function useFleet(options: { redis?: RedisServerOptions; simulator?: KieSimulatorOptions } = {}): {
  readonly redis: () => RedisServer;
  readonly sim: () => KieSimulator;
  worker(name: string, opts?: WorkerOptions): Promise<FleetWorker>;
} {
  let redis: RedisServer | undefined;
  let sim: KieSimulator | undefined;
  let script = '';
  const workers: FleetWorker[] = [];
  beforeAll(async () => {
    script = await bundle('test/fleet/fixtures/watcher-worker.ts');
    redis = await RedisServer.start(options.redis ?? {});
    sim = await startSimulator({ apiKey: 'fleet-key', ...options.simulator });
  }, 60_000);
  afterEach(async () => {
    for (const w of workers.splice(0)) if (w.alive) w.kill('SIGKILL');
    sim?.resetStats();
    sim?.setFaults({});
    const admin = redis?.client();
    await admin?.flushall().catch(() => undefined);
    admin?.disconnect();
  });
  afterAll(async () => {
    await sim?.close();
    await redis?.stop();
    rmSync(script, { force: true });
  });
  return {
    redis: () => redis as RedisServer,
    sim: () => sim as KieSimulator,
    async worker(name, opts = {}) {
      const config = {
        socket: (redis as RedisServer).socket,
        simulator: (sim as KieSimulator).url,
        apiKey: 'fleet-key',
        name,
        skewMs: opts.skewMs ?? 0,
        leaseMs: opts.leaseMs ?? 2_000,
        requestTimeoutMs: opts.requestTimeoutMs ?? 1_500,
        policy: opts.policy ?? 'fastest',
        accountRequestsPerSecond: opts.accountRequestsPerSecond ?? null,
        ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
        ...(opts.cluster ? { cluster: opts.cluster } : {}),
        ...(opts.rateJitterMarginMs === undefined ? {} : { rateJitterMarginMs: opts.rateJitterMarginMs }),
        ...(opts.retry === undefined ? {} : { retry: opts.retry }),
        ...(opts.unknownTaskGraceMs === undefined ? {} : { unknownTaskGraceMs: opts.unknownTaskGraceMs }),
      };
      const proc = fork(script, [], { env: { ...process.env, FLEET_WORKER: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const w = new FleetWorker(name, proc);
      workers.push(w);
      await new Promise<void>((resolve, reject) => {
        proc.on('message', (m: { type: string }) => m.type === 'ready' && resolve());
        proc.once('exit', (code) => reject(new Error(`worker ${name} exited early (${code})`)));
      });
      return w;
    },
  };
}
