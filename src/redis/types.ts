import type { TickResult as CoreTickResult } from '../fleet/coordinator.js';

// The seam's types are the core's (src/engine/coordinator.ts): the store implements `FleetStore`.
export type { Claim, FleetHeartbeat, FleetMessage, PendingTask, RegisterOutcome, Report, TaskKey } from '../fleet/coordinator.js';

/** What one {@link RedisFleetStore.tick} did. */
export interface TickResult extends CoreTickResult {
  /** Redis time (epoch ms) when the script ran. */
  readonly redisNow: number;
  /**
   * Redis time (epoch ms) when a tick could next claim something: the earliest due score, or the end of an
   * account pause or budget wait; `null` when nothing is pending.
   */
  readonly nextDueAt: number | null;
}

/** Availability of Redis as the store sees it. */
export type { FleetStatus } from '../fleet/coordinator.js';

/** pino-shaped logger; only these four methods are used. */
export interface FleetLogger {
  /** Connection errors, and stream reads that failed and resume after a reconnect. */
  debug(obj: object, msg?: string): void;
  /** Redis is up again. */
  info(obj: object, msg?: string): void;
  /** Redis down (claiming paused), fleet data lost, a tick reply too slow to use its claims. */
  warn(obj: object, msg?: string): void;
  /** A stream listener threw. */
  error(obj: object, msg?: string): void;
}

/** The monotonic clock the store measures round trips and `validUntil` with. */
export interface MonotonicClock {
  /** Monotonic ms. */
  now(): number;
}
