import type { CliPolicy } from '../command.js';
import type { WatchedTask } from '../report.js';
import type { TaskEnding } from '../session.js';

/**
 * Set in the environment of the processes `demo --workers` forks from the kie-watch bin itself: the bin then
 * runs as a fleet worker, driven over IPC, instead of parsing a command line.
 */
export const FLEET_WORKER_ENV = 'KIE_WATCH_FLEET_WORKER';

/** A simulator on this machine answers in milliseconds: 2 s is generous, and lets the lease be short. */
export const DEMO_REQUEST_TIMEOUT_MS = 2_000;
/**
 * How long a claim of the demo's workers lasts: a claim held by a killed worker is taken over after it. The
 * store's rule is "longer than a request"; the default (request timeout + 5 s) would make `--kill-one` wait 20 s.
 */
export const DEMO_LEASE_MS = DEMO_REQUEST_TIMEOUT_MS + 1_000;

/**
 * Where the workers find Redis: the unix socket of the run's private server (which a worker outliving the
 * parent shuts down, see fleet/worker.ts), or the URL given with `--redis` (never shut down: it is the user's).
 */
export type RedisTarget = { readonly socket: string } | { readonly url: string; readonly password: string | undefined };

/** Everything a worker needs, sent over IPC: the API key stays out of argv and the environment. */
export interface WorkerConfig {
  /** `w1`, `w2`, ...: the name the output uses. */
  readonly name: string;
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly redis: RedisTarget;
  readonly prefix: string;
  /** The CLI's policies are never functions, so they cross the IPC channel; `speed` scales them in the worker. */
  readonly policy: CliPolicy;
  readonly speed: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly leaseMs: number;
  readonly verbose: boolean;
}

/** The parent's messages to a worker. */
export type ToWorker =
  | { readonly type: 'start'; readonly config: WorkerConfig }
  /** Wait for every one of these tasks (`waitForCompletion`), whichever process polls it. */
  | { readonly type: 'watch'; readonly tasks: readonly WatchedTask[] }
  /** `--kill-one`: die by SIGKILL as the next poll starts, so that the claim of that task is stranded. */
  | { readonly type: 'die-at-next-poll' }
  | { readonly type: 'close' };

/** The counters a worker's watcher ends with. */
export interface WorkerStats {
  readonly requests: number;
  readonly retries: number;
  readonly rateLimited: number;
}

/** A worker's messages to the parent. */
export type FromWorker =
  | { readonly type: 'ready' }
  /** Polls started since the last message, by taskId (one message per event-loop turn at most). */
  | { readonly type: 'polls'; readonly counts: Readonly<Record<string, number>> }
  /**
   * One of its waits ended. `own`: this worker's own poll found the final answer; otherwise the result reached
   * it through Redis. `at`: epoch ms in the worker, to measure how far apart the workers received a result.
   */
  | { readonly type: 'settled'; readonly taskId: string; readonly ending: TaskEnding; readonly own: boolean; readonly at: number }
  | { readonly type: 'coordinator'; readonly status: 'up' | 'down'; readonly reason: string | null }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'closed'; readonly stats: WorkerStats };

/**
 * What a worker armed by `--kill-one` writes to its stdout just before it dies. Written synchronously: an IPC
 * message could still sit in a buffer when SIGKILL lands, a write to a pipe cannot.
 */
export interface LastWords {
  readonly type: 'dying';
  readonly taskId: string;
}
