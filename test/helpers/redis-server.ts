import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Where the Redis tests get their server from: never a mock, never a silent skip. */
export function redisServerBinary(): string {
  for (const name of ['redis-server', 'valkey-server']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  throw new Error('no redis-server or valkey-server on PATH: run `node scripts/ensure-redis.mjs` (Debian: sudo apt-get install -y redis-server)');
}

export type AppendOnly = 'no' | 'everysec' | 'always';

export interface RedisServerOptions {
  /** AOF fsync policy, or 'no' for no persistence at all. @default 'no' */
  readonly appendonly?: AppendOnly | undefined;
  /** Allow DEBUG from local connections. @default false */
  readonly debug?: boolean | undefined;
}

/** A redis-server on a unix socket in a temp dir (`--port 0` disables TCP), one per suite. */
export class RedisServer {
  readonly dir: string;
  readonly socket: string;
  #proc: ChildProcess | undefined;
  #options: RedisServerOptions;
  readonly #clients = new Set<Redis>();

  private constructor(dir: string, options: RedisServerOptions) {
    this.dir = dir;
    this.socket = join(dir, 'redis.sock');
    this.#options = options;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(mkdtempSync(join(tmpdir(), 'kie-redis-')), options);
    await server.#spawn();
    return server;
  }

  get pid(): number {
    return this.#proc?.pid ?? -1;
  }

  /** A client on the socket; closed by `stop()`. */
  client(options: { protocol?: 2 | 3; replyMapping?: 'legacy' | 'resp3' } = {}): Redis {
    // Under `replyMapping: 'resp3'` ioredis types the client differently; the store accepts either at run time.
    const c = new Redis({ path: this.socket, protocol: options.protocol ?? 3, replyMapping: options.replyMapping ?? 'legacy' }) as unknown as Redis;
    c.on('error', () => undefined);
    this.#clients.add(c);
    c.once('end', () => this.#clients.delete(c));
    return c;
  }

  async #spawn(): Promise<void> {
    const aof = this.#options.appendonly ?? 'no';
    const args = ['--port', '0', '--unixsocket', this.socket, '--unixsocketperm', '700', '--dir', this.dir, '--save', '', '--maxmemory-policy', 'noeviction'];
    args.push('--appendonly', aof === 'no' ? 'no' : 'yes');
    if (aof !== 'no') args.push('--appendfsync', aof);
    if (this.#options.debug) args.push('--enable-debug-command', 'local');
    const proc = spawn(redisServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server did not become ready:\n${out}`));
      }, 10_000);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (/ready to accept connections/i.test(out)) {
          clearTimeout(timer);
          proc.stdout?.off('data', onData);
          proc.stdout?.resume();
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`));
      });
    });
  }

  async #waitExit(): Promise<void> {
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  }

  /** SHUTDOWN NOSAVE (with AOF on, `always` or `everysec` decides what was written). */
  async shutdown(): Promise<void> {
    const c = new Redis({ path: this.socket, lazyConnect: true, retryStrategy: () => null });
    c.on('error', () => undefined);
    await c.connect();
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    c.disconnect();
    await this.#waitExit();
  }

  /** kill -9 of the server: what AOF `always` must survive. */
  async crash(): Promise<void> {
    this.#proc?.kill('SIGKILL');
    await this.#waitExit();
  }

  /** Starts again on the same socket and dir, with the same or new persistence. */
  async restart(options: RedisServerOptions = this.#options): Promise<void> {
    await this.shutdown();
    this.#options = options;
    await this.#spawn();
  }

  async startAgain(options: RedisServerOptions = this.#options): Promise<void> {
    this.#options = options;
    await this.#spawn();
  }

  async stop(): Promise<void> {
    for (const c of this.#clients) c.disconnect();
    this.#clients.clear();
    if (this.#proc && this.#proc.exitCode === null && this.#proc.signalCode === null) {
      await this.shutdown().catch(() => this.#proc?.kill('SIGKILL'));
      await this.#waitExit();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A TCP proxy on loopback in front of the unix socket: `delayMs` holds every reply chunk back (a slow link),
 * `cut()` drops every connection and refuses new ones until `restore()` (Redis unreachable).
 */
export class RedisProxy {
  readonly #server: Server;
  readonly #target: string;
  readonly #sockets = new Set<Socket>();
  #cut = false;
  delayMs = 0;
  port = 0;

  private constructor(target: string) {
    this.#target = target;
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(targetSocket: string): Promise<RedisProxy> {
    const p = new RedisProxy(targetSocket);
    await new Promise<void>((resolve) => p.#server.listen(0, '127.0.0.1', resolve));
    const addr = p.#server.address();
    p.port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    return p;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  #accept(client: Socket): void {
    if (this.#cut) {
      client.destroy();
      return;
    }
    const upstream = connect(this.#target);
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (this.delayMs <= 0) client.write(chunk);
      else setTimeout(() => client.destroyed || client.write(chunk), this.delayMs);
    });
  }

  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
