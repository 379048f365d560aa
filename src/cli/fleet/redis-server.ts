import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';

/** The servers `demo --workers` can start, in order of preference: Valkey is a drop-in fork of Redis. */
export const REDIS_SERVER_NAMES = ['redis-server', 'valkey-server'] as const;
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
/** Enough of the server's log to explain a failed start, not so much that a long run fills memory. */
const LOG_TAIL = 4_000;

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first redis-server, else the first valkey-server, on `PATH` (the environment the CLI was given). */
export function findRedisServer(path: string | undefined): string | undefined {
  const dirs = (path ?? '').split(delimiter).filter((d) => d !== '');
  for (const name of REDIS_SERVER_NAMES) {
    for (const dir of dirs) {
      const file = join(dir, name);
      if (isExecutableFile(file)) return file;
    }
  }
  return undefined;
}

/**
 * A redis-server of this run only: a unix socket in a fresh temp directory (`--port 0` disables TCP, the
 * socket is readable by this user only), no persistence. `stop()` shuts it down and removes the directory.
 */
export class PrivateRedisServer {
  readonly binary: string;
  readonly dir: string;
  readonly socket: string;
  readonly #proc: ChildProcess;
  #log = '';
  #gone = false;
  readonly #exited: Promise<void>;

  private constructor(binary: string, dir: string, proc: ChildProcess) {
    this.binary = binary;
    this.dir = dir;
    this.socket = join(dir, 'redis.sock');
    this.#proc = proc;
    this.#exited = new Promise((resolve) => {
      const gone = (): void => {
        this.#gone = true;
        resolve();
      };
      proc.once('exit', gone);
      // A binary that cannot be run at all emits 'error' and may never emit 'exit'.
      proc.once('error', () => {
        if (proc.pid === undefined) gone();
      });
    });
    const keep = (chunk: Buffer): void => {
      this.#log = (this.#log + chunk.toString()).slice(-LOG_TAIL);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
  }

  /** Starts the server; resolves once it accepts connections, rejects (nothing left behind) if it does not. */
  static async start(binary: string): Promise<PrivateRedisServer> {
    const dir = mkdtempSync(join(tmpdir(), 'kie-demo-'));
    const socket = join(dir, 'redis.sock');
    const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--save', '', '--appendonly', 'no'];
    // Its own process group: a Ctrl-C at the terminal reaches the whole foreground group, and Redis must
    // outlive the workers' clean close, which needs it.
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const server = new PrivateRedisServer(binary, dir, proc);
    try {
      await server.#ready();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** `redis-server` or `valkey-server`. */
  get name(): string {
    return basename(this.binary);
  }

  get pid(): number {
    return this.#proc.pid ?? -1;
  }

  get running(): boolean {
    return !this.#gone && this.#proc.exitCode === null && this.#proc.signalCode === null;
  }

  /** The last few KB the server wrote, for an error message. */
  get log(): string {
    return this.#log;
  }

  /** Resolves when the server process has exited, for whatever reason. */
  get exited(): Promise<void> {
    return this.#exited;
  }

  #ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const proc = this.#proc;
      const done = (err?: Error): void => {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.off('exit', onExit);
        proc.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      const onData = (): void => {
        if (/ready to accept connections/i.test(this.#log)) done();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => done(new Error(`${this.name} exited (${signal ?? code}) before it was ready:\n${this.#log.trim()}`));
      const onError = (err: Error): void => done(new Error(`cannot start ${this.binary}: ${err.message}`));
      const timer = setTimeout(() => done(new Error(`${this.name} was not ready after ${READY_TIMEOUT_MS / 1000} s:\n${this.#log.trim()}`)), READY_TIMEOUT_MS);
      proc.stdout?.on('data', onData);
      proc.once('exit', onExit);
      proc.once('error', onError);
    });
  }

  /** SIGTERM (Redis exits without saving: `--save ''`), SIGKILL if it lingers; then the directory goes. */
  async stop(): Promise<void> {
    if (this.running) {
      this.#proc.kill('SIGTERM');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const lingered = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
      });
      if (await Promise.race([this.#exited.then(() => false), lingered])) {
        this.#proc.kill('SIGKILL');
        await this.#exited;
      }
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** For a process that is exiting now (a second Ctrl-C): no waiting is possible any more. */
  stopNow(): void {
    if (this.running) this.#proc.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
