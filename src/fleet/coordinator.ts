import type { KeyBook } from '../create/keys.js';
import type { CreationLimit } from '../create/window.js';
import type { LoggerLike } from '../logger.js';

/**
 * The seam between the engine and a fleet of watcher processes sharing one account (Redis, in
 * `kie-watcher/redis`). The core defines it and never imports a Redis client: a coordinator is passed in.
 */
export interface Coordinator {
  /** Called once by a watcher: the fleet store bound to this watcher's account and limits. */
  open(params: CoordinatorParams): FleetStore;
  /**
   * Called by a watcher's first `submit()`/`generate()`: the submit keys and the creation limit shared by the
   * fleet (every process sees every key, and no window holds more than `requests` creates for the account).
   * Without it, each process keeps its own keys and limit.
   */
  openCreate?(params: CreateCoordinatorParams): CreateFleet;
}

/** What a watcher tells its coordinator about creating tasks. */
export interface CreateCoordinatorParams {
  /** The account's name, as {@link CoordinatorParams.account}. */
  readonly account: string;
  /** The creation limit: at most `requests` creates arrive at the provider in any `windowMs`. */
  readonly requests: number;
  /** The creation limit's sliding window, ms. */
  readonly windowMs: number;
  /** The longest a create may be out before it has surely arrived (and ended), ms. */
  readonly maxOutMs: number;
  /** The watcher's logger (silent by default). */
  readonly log: LoggerLike;
}

/** The fleet's side of creating: its submit keys and its creation limit. */
export interface CreateFleet {
  /** Submit keys every process sees: written before each create leaves. */
  readonly keys: KeyBook;
  /** The account's creation limit, counted across every process. */
  readonly limit: CreationLimit;
}

/** What a watcher tells its coordinator. */
export interface CoordinatorParams {
  /** A stable, key-free name of the API account (a hash of the key unless the coordinator names one). */
  readonly account: string;
  /** The per-task spacing (burst 1) every process must enforce, ms. */
  readonly perTaskIntervalMs: number;
  /** The account-wide budget, or `null` for none. */
  readonly accountRequestsPerSecond: number | null;
  /** How long a settled result stays readable by late waiters, ms. */
  readonly resultTtlMs: number;
  /** The longest a poll may take (the request timeout): a claim's lease must outlast it. */
  readonly requestTimeoutMs: number;
  /**
   * How late a claim may be used: the per-task spacing absorbs `rateJitterMarginMs` of arrival jitter, and a
   * claim's reply delay spends part of it (processes with fast and slow links to Redis otherwise bunch their
   * requests at the provider). `rateJitterMarginMs` minus 20 ms for the network to the provider.
   */
  readonly sendGuardMs: number;
  /** The watcher's logger (silent by default). */
  readonly log: LoggerLike;
  /** Redis became unusable (`down`) or usable again (`up`). */
  readonly onStatus: (status: FleetStatus, error?: Error) => void;
  /** The fleet's data was lost (a Redis restart without persistence): register the local waits again. */
  readonly onReset: () => void;
}

/** A task in the fleet: its family id and its provider taskId. */
export interface TaskKey {
  /** The family id (`[a-z0-9-]+`). */
  readonly family: string;
  /** The provider's taskId. */
  readonly taskId: string;
}

/** What a process reports about a claim; a report whose `fence` is stale (a newer claimer owns the task) is ignored. */
export type Report =
  | {
      /** Still pending: due again no earlier than `delayMs` from now and never before its rate limit allows. */
      readonly kind: 'next';
      /** The task. */
      readonly key: TaskKey;
      /** The fence of the claim being reported. */
      readonly fence: number;
      /** Ms from now until the task is due again. */
      readonly delayMs: number;
      /** The engine's per-task state (JSON), handed back with the next claim of the task, by any process. */
      readonly state: string;
      /** A progress event (JSON) for every process, only when progress or the status changed. */
      readonly event?: string | undefined;
    }
  | {
      /** Settled: the result (JSON) is kept for late waiters and fanned out to every process. */
      readonly kind: 'final';
      /** The task. */
      readonly key: TaskKey;
      /** The fence of the claim being reported. */
      readonly fence: number;
      /** The settlement, as JSON. */
      readonly result: string;
    }
  | {
      /** The claim was not used (past its `validUntil`, shutdown): due again at once, its rate limit still applies. */
      readonly kind: 'release';
      /** The task. */
      readonly key: TaskKey;
      /** The fence of the claim given back. */
      readonly fence: number;
    };

/** One task this process may poll now, exactly once. */
export interface Claim {
  /** The task to poll. */
  readonly key: TaskKey;
  /** The fencing token to quote in the report. */
  readonly fence: number;
  /** The state of the last accepted `next` report, `null` for a task never polled. */
  readonly state: string | null;
  /** Epoch ms (the fleet's clock) when the fleet started watching the task. */
  readonly watchedAt: number;
  /** Epoch ms of the latest waiter's deadline; `Infinity` when none has one. */
  readonly deadlineAt: number;
  /** Local monotonic ms (`performance.now()`) after which the claim must not be used: release it instead. */
  readonly validUntil: number;
}

/** What one tick did. */
export interface TickResult {
  /** Tasks to poll now, each exactly once. */
  readonly claims: readonly Claim[];
  /** When a tick could next claim something, ms from now; `null` when nothing is pending in the fleet. */
  readonly nextDueInMs: number | null;
  /** Claims the send guard dropped (the reply came too late); they are released with the next tick. */
  readonly released: number;
  /** Tasks the fleet dropped because every waiter's deadline had passed. */
  readonly expired: readonly TaskKey[];
  /** The tick's round trip on the local monotonic clock, ms. */
  readonly roundTripMs: number;
  /**
   * The store's clock (epoch ms) when the tick ran. The fleet measures claims' ages and deadlines against it,
   * never against this host's wall clock, which may be far off another host's. Without it, the local clock.
   */
  readonly redisNow?: number | undefined;
}

/** What registering found for one task. */
export type RegisterOutcome =
  | {
      /** The task. */
      readonly key: TaskKey;
      /** `new`: now pending in the fleet; `pending`: it already was (its deadline was extended). */
      readonly status: 'new' | 'pending';
    }
  | {
      /** The task. */
      readonly key: TaskKey;
      /** It already settled: `result` is its settlement, as JSON. */
      readonly status: 'settled';
      /** The stored settlement, as JSON. */
      readonly result: string;
    };

/** A task in the fleet's durable pending set. */
export interface PendingTask {
  /** The task. */
  readonly key: TaskKey;
  /** Epoch ms when the fleet started watching it. */
  readonly watchedAt: number;
  /** Epoch ms of its latest waiter's deadline; `Infinity` when none has one. */
  readonly deadlineAt: number;
}

/** A message on the fleet's streams. */
export type FleetMessage =
  | {
      /** A task settled. */
      readonly type: 'final';
      /** The task. */
      readonly key: TaskKey;
      /** Its settlement, as JSON. */
      readonly result: string;
      /** The stream entry's id. */
      readonly id: string;
    }
  | {
      /** A task's progress or status changed. */
      readonly type: 'event';
      /** The task. */
      readonly key: TaskKey;
      /** The progress event, as JSON. */
      readonly event: string;
      /** The stream entry's id. */
      readonly id: string;
    }
  | {
      /** The reader reconnected: messages may have been missed; read the stored results again (`register`). */
      readonly type: 'resync';
    };

/** Whether the fleet's store is usable. */
export type FleetStatus = 'up' | 'down';

/** The fleet's shared state, as the engine uses it (implemented by `RedisFleetStore`). */
export interface FleetStore {
  /** Whether the store is usable now. */
  readonly status: FleetStatus;
  /** This process's name in the fleet. */
  readonly owner: string;
  /** Makes each task pending in the fleet (or extends its deadline), or returns its stored settlement. */
  register(tasks: readonly { readonly key: TaskKey; readonly timeoutMs?: number | null | undefined }[]): Promise<RegisterOutcome[]>;
  /** One round trip: applies the reports, then claims up to `maxClaims` due tasks. */
  tick(reports: readonly Report[], maxClaims: number): Promise<TickResult>;
  /** Gives claims back unused (sent with the next tick). */
  release(claims: readonly Claim[]): void;
  /** Makes a task due at once, wherever it is polled (and marks that a callback came for its taskId). */
  poke(key: TaskKey): Promise<unknown>;
  /** {@link poke} for several tasks in one round trip (a callback that names no family: its taskId under each). */
  pokeAll(keys: readonly TaskKey[]): Promise<unknown>;
  /** Whether a poke (a callback) came for each taskId in the last minute, in order. */
  callbacksSeen(taskIds: readonly string[]): Promise<readonly boolean[]>;
  /** Pauses every process's claiming for `ms` (an account-wide 429); resolves with the pause left. */
  pause(ms: number): Promise<number>;
  /** The durable pending set; with `unheld`, only the tasks no live process holds an interest in. */
  listPending(options?: { readonly unheld?: boolean | undefined }): Promise<PendingTask[]>;
  /** Delivers every process's results and progress events; resolves once listening, to an unsubscribe function. */
  subscribe(listener: (message: FleetMessage) => void): Promise<() => void>;
  /**
   * Publishes this process's heartbeat for the fleet's dashboard (`kie-watcher/dashboard`), at most once a second.
   * Optional: a store without it publishes nothing. A failure is ignored.
   */
  heartbeat?(beat: FleetHeartbeat): Promise<void>;
  /** Stops reading and closes what the store opened. */
  close(): Promise<void>;
}

/** What a process tells the fleet about itself, for its dashboard. */
export interface FleetHeartbeat {
  /** Claims this process holds now (polls in flight for the fleet). */
  readonly held: number;
  /** Its request slots. */
  readonly capacity: number;
  /** Counters since the process started; a store adds their increments to shared time buckets. */
  readonly counters: {
    /** Polls started. */
    readonly polls: number;
    /** 429 answers. */
    readonly rateLimited: number;
    /** Tasks this process settled as succeeded. */
    readonly completed: number;
    /** Tasks this process settled as failed. */
    readonly failed: number;
    /** Tasks the fleet dropped in this process's ticks because every waiter's deadline had passed. */
    readonly timeout: number;
  };
}
