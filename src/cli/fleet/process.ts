import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { FLEET_WORKER_ENV, type FromWorker, type LastWords, type ToWorker, type WorkerConfig } from './protocol.js';
import type { Sink } from '../io.js';

/** A worker that has not closed within this after being asked is killed. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Enough of a worker's stderr to explain its death. */
const STDERR_TAIL = 2_000;

/**
 * The parent's handle on one forked worker: its messages, the line it leaves when `--kill-one` kills it,
 * the end of its stderr (or all of it, with --verbose), and how it ended.
 */
export class WorkerProcess {
  readonly name: string;
  readonly #proc: ChildProcess;
  /** The task it was starting to poll when it killed itself; `null` otherwise. */
  lastWords: string | null = null;
  #stderr = '';
  #closeAsked = false;
  readonly #ended: Promise<string>;

  /**
   * Forks `entry` (the kie-watch bin) in worker mode. Its own process group: a Ctrl-C at the terminal reaches
   * the whole foreground group, and the parent wants to close the workers itself, cleanly, in order.
   */
  constructor(name: string, entry: string, env: Record<string, string | undefined>, logs: Sink | undefined) {
    this.name = name;
    this.#proc = fork(entry, [], {
      env: { ...env, [FLEET_WORKER_ENV]: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
      // A debugger flag would make every worker try to listen on the parent's debugging port.
      execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
    });
    if (this.#proc.stdout) {
      createInterface({ input: this.#proc.stdout }).on('line', (line) => {
        try {
          const words = JSON.parse(line) as Partial<LastWords>;
          if (words.type === 'dying' && typeof words.taskId === 'string') this.lastWords = words.taskId;
        } catch {
          // Nothing else is written there; a stray line is not ours to interpret.
        }
      });
    }
    if (this.#proc.stderr) {
      createInterface({ input: this.#proc.stderr }).on('line', (line) => {
        if (logs) logs.write(`${line}\n`);
        else this.#stderr = `${this.#stderr}${line}\n`.slice(-STDERR_TAIL);
      });
    }
    // 'close', not 'exit': by then its stdout, and so the last words, have been read.
    this.#ended = new Promise((resolve) => {
      this.#proc.once('close', (code, signal) => resolve(signal ?? String(code)));
      this.#proc.once('error', () => {
        if (this.#proc.pid === undefined) resolve('not started');
      });
    });
  }

  get pid(): number {
    return this.#proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.#proc.exitCode === null && this.#proc.signalCode === null && this.#proc.pid !== undefined;
  }

  /** Whether the parent asked it to close (then exit code 0 is the expected end). */
  get closeAsked(): boolean {
    return this.#closeAsked;
  }

  /** What it wrote to stderr lately (nothing with --verbose: that went out as it came). */
  get stderrTail(): string {
    return this.#stderr.trim();
  }

  /** Resolves with its exit code, or the signal that ended it. */
  get ended(): Promise<string> {
    return this.#ended;
  }

  onMessage(listener: (m: FromWorker) => void): void {
    this.#proc.on('message', listener);
  }

  send(message: ToWorker): void {
    if (this.#proc.connected) this.#proc.send(message);
  }

  start(config: WorkerConfig): void {
    this.send({ type: 'start', config });
  }

  /** Resolves once it reported `ready`; rejects if it ends first or takes longer than `timeoutMs`. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#proc.off('message', onMessage);
        if (err) reject(err);
        else resolve();
      };
      const onMessage = (m: FromWorker): void => {
        // A worker that cannot reach Redis says why before it exits.
        if (m.type === 'error') this.#stderr += `${m.message}\n`;
        if (m.type === 'ready') done();
      };
      const timer = setTimeout(() => done(new Error(`${this.name} was not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      this.#proc.on('message', onMessage);
      void this.#ended.then((how) => done(new Error(`${this.name} ended (${how}) before it was ready${this.stderrTail === '' ? '' : `:\n${this.stderrTail}`}`)));
    });
  }

  /** Asks it to close its watcher and exit; kills it if it has not within 5 s. */
  async close(): Promise<void> {
    if (!this.alive) return;
    this.#closeAsked = true;
    this.send({ type: 'close' });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CLOSE_TIMEOUT_MS);
    });
    if ((await Promise.race([this.#ended, late])) === 'late') this.killNow();
    clearTimeout(timer);
    await this.#ended;
  }

  /** SIGKILL, for an exit that cannot wait. */
  killNow(): void {
    if (this.alive) this.#proc.kill('SIGKILL');
  }
}
