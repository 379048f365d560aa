import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import { createDashboard, type Dashboard } from '../../dashboard/index.js';
import { listen, listenUrl, stopServer } from '../dashboard.js';
import type { RedisTarget } from './protocol.js';
import { connectAdmin, type IORedisModule } from './redis.js';

/**
 * `demo --workers N --dashboard`: the page of the demo's fleet, on 127.0.0.1 and a free port, read through a
 * connection of its own (the parent's admin connection fails fast, and a slow page must not delay its work).
 * Loopback without a token, so it answers only requests that name this machine (against DNS rebinding).
 */
export class DemoDashboard {
  readonly url: string;
  readonly #redis: Redis;
  readonly #dashboard: Dashboard;
  readonly #server: Server;

  private constructor(url: string, redis: Redis, dashboard: Dashboard, server: Server) {
    this.url = url;
    this.#redis = redis;
    this.#dashboard = dashboard;
    this.#server = server;
  }

  static async start(lib: IORedisModule, target: RedisTarget, prefix: string): Promise<DemoDashboard> {
    const redis = await connectAdmin(lib, target);
    const dashboard = createDashboard({ redis, prefix, loopbackHostOnly: true });
    try {
      const { server, port } = await listen(dashboard, '127.0.0.1', 0);
      return new DemoDashboard(listenUrl('127.0.0.1', port), redis, dashboard, server);
    } catch (err) {
      await dashboard.close();
      redis.disconnect();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#dashboard.close();
    await stopServer(this.#server);
    this.#redis.disconnect();
  }
}

/**
 * Node code of the guard below: when its stdin ends (the demo's process is gone, `kill -9` included), it stops
 * the private redis-server and removes its directory, as the workers do while they run.
 */
const GUARD = `process.stdin.resume();
process.stdin.on('end', () => {
  try { process.kill(Number(process.argv[1]), 'SIGTERM'); } catch {}
  setTimeout(() => { require('node:fs').rmSync(process.argv[2], { recursive: true, force: true }); process.exit(0); }, 300);
});`;

/**
 * While the page stays up after the run the workers have exited, and with them what stops the run's private
 * redis-server if `kie-watch` is killed: a small process takes that over until `stop()`.
 */
export function guardPrivateServer(pid: number, dir: string): { stop(): void } {
  const guard = spawn(process.execPath, ['-e', GUARD, String(pid), dir], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => undefined);
  return {
    stop: () => {
      guard.kill('SIGKILL');
    },
  };
}
