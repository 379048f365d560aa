/** One process of the fleet, as its last heartbeat described it. */
export interface DashboardProcess {
  /** Its owner name in the fleet (`<host>:<pid>:<random>` by default). */
  readonly name: string;
  /** The account (key hash) it works for. */
  readonly account: string;
  /** Epoch ms of its last heartbeat. */
  readonly lastSeen: number;
  /** Claims (leases) it holds now: polls in flight for the fleet. */
  readonly tasksHeld: number;
  /** Its request slots, `null` when unknown. */
  readonly capacity: number | null;
  /** Polls it made since it started, `null` when unknown. */
  readonly polls: number | null;
  /** 429 answers it received since it started, `null` when unknown. */
  readonly rateLimited: number | null;
  /** Epoch ms when it started, `null` when unknown. */
  readonly startedAt: number | null;
  /** `true` while heartbeats arrive (the last within 15 s). */
  readonly alive: boolean;
}

/** A task of the fleet's pending set (or of a single watcher). */
export interface DashboardTask {
  /** The provider's taskId. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** The provider's status text from its last poll; `'new'` before the first, `'settled'` once it has a result. */
  readonly state: string;
  /** 0..1 from its last poll, `null` when none reported progress. */
  readonly progress: number | null;
  /** Polls so far. */
  readonly polls: number;
  /** Epoch ms of the last answer, `null` before the first. */
  readonly lastPollAt: number | null;
  /** Epoch ms when it is due next (or its lease lapses, while claimed), `null` when not pending. */
  readonly nextDueAt: number | null;
  /** The process polling it now, `null` when nobody holds it. */
  readonly owner: string | null;
  /** Consecutive failed attempts (transient errors and 429s) before its last answer. */
  readonly retries: number;
  /** The last retry reason, `null` when none. */
  readonly lastReason: string | null;
  /** Epoch ms when it was registered, `null` when unknown. */
  readonly watchedAt: number | null;
}

/** A task that settled. */
export interface DashboardResult {
  /** The provider's taskId. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** `completed`, or `failed` with `errorCode` and `reason`. */
  readonly outcome: 'completed' | 'failed';
  /** Epoch ms when it settled. */
  readonly at: number;
  /** The result's media URLs (`http(s)` only, at most 4). */
  readonly resultUrls: readonly string[];
  /** For a failure: the error `code` (`KIE_TASK_FAILED`, ...), else `null`. */
  readonly errorCode: string | null;
  /** For a failure: its message (key-free), else `null`. */
  readonly reason: string | null;
  /** The process that settled it, `null` when unknown. */
  readonly owner: string | null;
}

/** One account's limits as the fleet's keys show them. */
export interface DashboardAccount {
  /** The account's name in the keys (`k` + 12 hex digits of the API key's SHA-256 by default). */
  readonly account: string;
  /** Its pending tasks. */
  readonly pending: number;
  /** ms left of an account-wide 429 pause, 0 when none. */
  readonly pausedMs: number;
  /** The account budget the processes enforce, `null` when none is set. */
  readonly budget: DashboardBudget | null;
}

/** An account budget and how much of it is in use. */
export interface DashboardBudget {
  /** Requests per second, the whole fleet together. */
  readonly requestsPerSecond: number;
  /** Requests allowed back to back from a rested bucket. */
  readonly burst: number;
  /** How much of the burst is spent now. */
  readonly inUse: number;
}

/** A counter over time, oldest first. */
export interface DashboardSeries {
  /** Epoch ms of the first point's start. */
  readonly start: number;
  /** Width of a point, ms. */
  readonly stepMs: number;
  /** Polls per second in each point. */
  readonly polls: readonly number[];
  /** 429 answers in each point. */
  readonly rateLimited: readonly number[];
}

/** What `GET /api/summary` answers and each Server-Sent Event carries. */
export interface DashboardSummary {
  /** Epoch ms when it was read. */
  readonly at: number;
  /** `redis`: a fleet; `watcher`: one TaskWatcher in this process. */
  readonly source: 'redis' | 'watcher';
  /** Pending tasks (every account under the prefix). */
  readonly pending: number;
  /** Polls in flight now (claims held by live processes). */
  readonly inFlight: number;
  /** Polls per second over the last 10 to 20 s. */
  readonly pollsPerSecond: number;
  /** 429 answers in the last minute. */
  readonly rateLimited: number;
  /** 429 answers in the last 15 minutes. */
  readonly rateLimited15m: number;
  /** Tasks settled in the last hour. */
  readonly settled: DashboardSettled;
  /** Every process that sent a heartbeat in the last minute (`alive`: within 15 s). */
  readonly processes: readonly DashboardProcess[];
  /** Every account under the prefix. */
  readonly accounts: readonly DashboardAccount[];
  /** Pending tasks by family, then by state; `null` until the first pass over the pending set finished. */
  readonly breakdown: DashboardBreakdown | null;
  /** Polls and 429s over the last 15 minutes. */
  readonly series: DashboardSeries;
  /** The pending tasks due soonest (at most 50). */
  readonly tasks: readonly DashboardTask[];
  /** The latest results and failures, newest first (at most 20). */
  readonly recent: readonly DashboardResult[];
}

/** Tasks settled in a window. */
export interface DashboardSettled {
  /** Succeeded. */
  readonly completed: number;
  /** Failed (the provider's failure, or an error that ended the watch). */
  readonly failed: number;
  /** Dropped when every waiter's deadline had passed. */
  readonly timeout: number;
}

/** The pending set counted by family and state. */
export interface DashboardBreakdown {
  /** Epoch ms when the pass that counted it ended. */
  readonly at: number;
  /** `{ [family]: { [state]: count } }`. */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Where a dashboard reads from: a fleet on Redis, or one watcher. */
export interface DashboardSource {
  readonly kind: 'redis' | 'watcher';
  read(): Promise<DashboardSummary>;
  /** Tasks whose id contains `query` (at most `limit`). */
  search(query: string, limit: number): Promise<DashboardTask[]>;
  close(): Promise<void>;
}
