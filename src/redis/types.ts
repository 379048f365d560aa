/** A task in the fleet: its family (`[a-z0-9-]+`) and its provider taskId (`[A-Za-z0-9_.:-]{1,128}`). */
export interface TaskKey {
  /** The family id, `[a-z0-9-]+`. */
  readonly family: string;
  /** The provider's taskId. */
  readonly taskId: string;
}

/**
 * What a process reports about a claim it got from {@link RedisFleetStore.tick}. A report whose `fence` is
 * not the task's current fence is ignored: a newer claimer owns the task.
 */
export type Report =
  | {
      /** Still pending: due again no earlier than `delayMs` from now (Redis time) and never before its GCRA allows. */
      readonly kind: 'next';
      /** The task. */
      readonly key: TaskKey;
      /** The claim's fence, as {@link Claim.fence} gave it. */
      readonly fence: number;
      /** ms until the next poll, by the policy (the GCRA may push it later). */
      readonly delayMs: number;
      /** Opaque (JSON) per-task state the engine keeps between polls; handed back with the next claim. */
      readonly state: string;
      /** Only when progress or status changed: appended to the events stream for every process. */
      readonly event?: string | undefined;
    }
  | {
      /** Settled: `result` (opaque JSON) is stored on the task with a TTL and appended to the results stream. */
      readonly kind: 'final';
      /** The task. */
      readonly key: TaskKey;
      /** The claim's fence, as {@link Claim.fence} gave it. */
      readonly fence: number;
      /** The outcome, as opaque JSON; what waiters in every process receive. */
      readonly result: string;
    }
  | {
      /** The claim was not used (send guard, shutdown): due again at once (its GCRA still applies). */
      readonly kind: 'release';
      /** The task. */
      readonly key: TaskKey;
      /** The claim's fence, as {@link Claim.fence} gave it. */
      readonly fence: number;
    };

/** One task this process may poll now, exactly once. */
export interface Claim {
  /** The task to poll. */
  readonly key: TaskKey;
  /** The fencing token: quote it in the report; a later claimer gets a higher one. */
  readonly fence: number;
  /** The state of the last accepted `next` report, `null` for a task never polled. */
  readonly state: string | null;
  /** Epoch ms (Redis clock) when the fleet started watching the task. */
  readonly watchedAt: number;
  /** Epoch ms (Redis clock) of the latest waiter's deadline; `Infinity` when a waiter has none. */
  readonly deadlineAt: number;
  /**
   * Local monotonic ms (the store's clock, `performance.now()` by default) after which the claim must not
   * be used: check it right before sending, and report `release` instead.
   */
  readonly validUntil: number;
}

/** What one {@link RedisFleetStore.tick} did. */
export interface TickResult {
  /** Tasks to poll now; empty when the send guard dropped them (see `released`). */
  readonly claims: readonly Claim[];
  /** Redis time (epoch ms) when the script ran. */
  readonly redisNow: number;
  /**
   * Redis time (epoch ms) when a tick could next claim something: the earliest due score, or the end of an
   * account pause or budget wait; `null` when nothing is pending.
   */
  readonly nextDueAt: number | null;
  /** `nextDueAt - redisNow`, at least 0; `null` when nothing is pending. Schedule the next tick from this. */
  readonly nextDueInMs: number | null;
  /** Claims dropped because the reply came back later than `sendGuardMs`; released on the next tick. */
  readonly released: number;
  /** Tasks dropped because every waiter's deadline had passed. */
  readonly expired: readonly TaskKey[];
  /** Local round trip of the call, ms. */
  readonly roundTripMs: number;
}

/** What {@link RedisFleetStore.register} found for one task. */
export type RegisterOutcome =
  | {
      /** The task registered. */
      readonly key: TaskKey;
      /** `new`: the fleet did not watch it yet; `pending`: it did (its deadline may have been extended). */
      readonly status: 'new' | 'pending';
    }
  | {
      /** The task registered. */
      readonly key: TaskKey;
      /** It already settled within the result TTL. */
      readonly status: 'settled';
      /** Its stored outcome (the `final` report's opaque JSON). */
      readonly result: string;
    };

/** A task waiting in the fleet's durable pending set. */
export interface PendingTask {
  /** The task. */
  readonly key: TaskKey;
  /** Epoch ms (Redis clock, or what the registering process passed). */
  readonly watchedAt: number;
  /** Epoch ms (Redis clock); `Infinity` when a waiter has none. */
  readonly deadlineAt: number;
}

/** A message from the fleet's streams. */
export type FleetMessage =
  | {
      /** A task settled (a `final` report). */
      readonly type: 'final';
      /** The task. */
      readonly key: TaskKey;
      /** Its outcome, opaque JSON. */
      readonly result: string;
      /** The stream entry id. */
      readonly id: string;
    }
  | {
      /** A task's progress or status changed (a `next` report with an `event`). */
      readonly type: 'event';
      /** The task. */
      readonly key: TaskKey;
      /** The event, opaque JSON. */
      readonly event: string;
      /** The stream entry id. */
      readonly id: string;
    }
  /**
   * The reader reconnected: entries may have been trimmed meanwhile (or Redis lost them). Read the stored
   * results of the tasks you wait for again (`register` returns them).
   */
  | {
      /** The reader reconnected (see above). */
      readonly type: 'resync';
    };

/** Availability of Redis as the store sees it. */
export type FleetStatus = 'up' | 'down';

/** pino-shaped logger; only these four methods are used. */
export interface FleetLogger {
  /** Connection errors and stream reads that failed and will resume after a reconnect. */
  debug(obj: object, msg?: string): void;
  /** Redis is up again. */
  info(obj: object, msg?: string): void;
  /** Redis down (claiming paused), fleet data lost, a tick reply too slow to use its claims. */
  warn(obj: object, msg?: string): void;
  /** A stream listener (your code) threw. */
  error(obj: object, msg?: string): void;
}

/** The monotonic clock the store measures round trips and `validUntil` with. */
export interface MonotonicClock {
  /** Monotonic ms. */
  now(): number;
}
