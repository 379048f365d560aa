import type { Cluster, Redis } from 'ioredis';
import { paramsForWindow } from '../limits/gcra.js';
import type { FleetLogger, FleetStatus, MonotonicClock } from './types.js';

/**
 * The watcher's own default spacing (3 per any 1000 ms with 120 ms of arrival jitter), from the same formula, so
 * that a store built without a coordinator's parameters keeps the same limit: (1000 + 120) / 3 + 1.
 */
export const DEFAULT_PER_TASK_INTERVAL_MS = paramsForWindow(3, 1000, 120).intervalMs;

/** An account-wide request budget shared by the fleet (one GCRA bucket with a burst). */
export interface FleetBudget {
  /** Requests per second for the whole fleet, all tasks together. */
  readonly requestsPerSecond: number;
  /** Requests allowed back to back from a rested bucket. @default max(1, floor(requestsPerSecond)) */
  readonly burst?: number | undefined;
}

/** Options of {@link RedisFleetStore}. */
export interface RedisFleetStoreOptions {
  /**
   * A Redis URL (`redis://`, `rediss://`, `redis+unix:` is not supported by ioredis: pass `{ path }` through
   * an instance instead) or an ioredis instance. A client passed in stays open on `close()`; one made from
   * a URL is closed.
   */
  readonly redis: string | Redis | Cluster;
  /** Key prefix. @default 'kie' */
  readonly prefix?: string | undefined;
  /** Account name, the hash tag of every key: one account's keys share one Redis Cluster slot. @default 'default' */
  readonly account?: string | undefined;
  /**
   * This process's name in the fleet, unique to it: stored on the tasks it claims (for diagnosis) and on the
   * results it publishes (so that it skips its own). At most 64 bytes, which keeps a claimed task's Redis hash
   * in its compact encoding. @default `<hostname, first 32 characters>:<pid>:<random>`
   */
  readonly owner?: string | undefined;
  /**
   * Visibility timeout of a claim: a claim not reported within it becomes due again, for any process.
   * Must exceed the longest poll (request timeout) plus a tick. @default 20000
   */
  readonly leaseMs?: number | undefined;
  /** Per-task GCRA interval (burst 1), identical in every process of the fleet. @default 374.33 ((1000 + 120) / 3 + 1) */
  readonly perTaskIntervalMs?: number | undefined;
  /** Account-wide budget, or `null` for none. @default null */
  readonly accountBudget?: FleetBudget | null | undefined;
  /** How long a settled task's result stays readable by late waiters. @default 600000 */
  readonly resultTtlMs?: number | undefined;
  /**
   * A tick whose reply took longer than this returns no claims (they are released on the next tick), and a
   * claim must be used within this long of the tick being sent (`validUntil`): the per-task interval's
   * 120 ms of jitter budget covers this delay plus the network's. @default 100
   */
  readonly sendGuardMs?: number | undefined;
  /** Subtracted from the lease when it bounds `validUntil` (only when the lease is shorter than the send guard). @default 1000 */
  readonly leaseMarginMs?: number | undefined;
  /** A call Redis has not answered within this fails with {@link FleetUnavailableError} and reports `down`. @default 2000 */
  readonly operationTimeoutMs?: number | undefined;
  /** How long a poke for a task nobody registered yet is remembered. @default 60000 */
  readonly pokeMemoryMs?: number | undefined;
  /** Approximate length the results stream is trimmed to (`MAXLEN ~`). @default 10000 */
  readonly resultsMaxLen?: number | undefined;
  /** Approximate length the progress-events stream is trimmed to. @default 10000 */
  readonly eventsMaxLen?: number | undefined;
  /** While down, how often Redis is probed with PING. @default 500 */
  readonly probeIntervalMs?: number | undefined;
  /** `XREAD BLOCK` timeout of the stream reader. @default 2000 */
  readonly readBlockMs?: number | undefined;
  /** Monotonic clock for round trips and `validUntil`. @default performance.now */
  readonly clock?: MonotonicClock | undefined;
  /** @default silent */
  readonly logger?: FleetLogger | undefined;
  /** Called when Redis becomes unusable (`down`, with the error) and usable again (`up`). */
  readonly onStatus?: ((status: FleetStatus, error?: Error) => void) | undefined;
  /**
   * Called when the fleet's data was lost (Redis restarted without persistence): register the tasks this
   * process waits for again.
   */
  readonly onReset?: (() => void) | undefined;
}
