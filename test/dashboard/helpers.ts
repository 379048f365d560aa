import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TaskWatcher } from '../../src/index.js';
import { RedisCoordinator } from '../../src/redis/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { RedisServer } from '../helpers/redis-server.js';

/** A key nothing the dashboard answers may ever contain. */
export const CANARY_KEY = 'dash-canary-key-7f3a9c2e51b84d06';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)?.slice(0, 500)}`);
    await sleep(50);
  }
}

/** A fleet of `processes` watchers (in this process, each with its own Redis connection) on a real redis-server and the simulator. */
export class Fleet {
  readonly redis: RedisServer;
  readonly sim: KieSimulator;
  readonly watchers: TaskWatcher[];
  readonly prefix: string;

  private constructor(redis: RedisServer, sim: KieSimulator, watchers: TaskWatcher[], prefix: string) {
    this.redis = redis;
    this.sim = sim;
    this.watchers = watchers;
    this.prefix = prefix;
  }

  static async start(options: { processes?: number; prefix?: string; redis?: RedisServer } = {}): Promise<Fleet> {
    const redis = options.redis ?? (await RedisServer.start());
    const sim = await startSimulator({ apiKey: CANARY_KEY });
    const prefix = options.prefix ?? 'kie';
    const watchers = Array.from(
      { length: options.processes ?? 2 },
      () =>
        new TaskWatcher({
          apiKey: CANARY_KEY,
          baseUrl: sim.url,
          policy: { intervalMs: 500 },
          retry: { baseDelayMs: 100, maxDelayMs: 1000 },
          coordinator: new RedisCoordinator({ redis: redis.client(), prefix }),
        }),
    );
    for (const w of watchers) w.on('error', () => undefined);
    return new Fleet(redis, sim, watchers, prefix);
  }

  /** Waits in the first watcher; the fleet polls each task once at a time, whichever process holds it. */
  wait(taskId: string, timeoutMs = 120_000): Promise<unknown> {
    const w = this.watchers[0];
    if (w === undefined) throw new Error('no watcher');
    return w.waitForCompletion(taskId, { timeoutMs }).catch((e: unknown) => e);
  }

  async close(stopRedis = true): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.close()));
    await this.sim.close();
    if (stopRedis) await this.redis.stop();
  }
}

/** A real HTTP server on a free loopback port. */
export async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Closes a server with its open connections (event streams never end by themselves). */
export const stop = (s: Server): Promise<void> =>
  new Promise((r) => {
    s.close(() => r());
    s.closeAllConnections();
  });
