import type { SimulatorCreateFaults, SimulatorCreationOptions } from './create-types.js';

/**
 * The KIE task families the simulator serves, each on its own status endpoint with its own record shape.
 * (The simulator keeps its own copy of each wire shape; it shares no code with the watcher's readers.)
 */
export type SimulatedFamily = 'gpt4o-image' | 'market' | 'veo' | 'flux-kontext' | 'runway' | 'luma' | 'suno' | 'mj';

/** How a simulated task ends; `MODERATED` and `NEVER` are described on {@link SimulatedTaskSpec.outcome}. */
export type SimulatedOutcome = 'SUCCESS' | 'GENERATE_FAILED' | 'CREATE_TASK_FAILED' | 'MODERATED' | 'NEVER';

/** One scripted task: how long it runs, how it ends, and which provider quirks it shows. */
export interface SimulatedTaskSpec {
  /** Default: 'sim-' + 24 hex chars, derived from the simulator seed. */
  readonly taskId?: string;
  /** Time from creation to the final state (for NEVER: to the point where progress stalls). */
  readonly durationMs: number;
  /**
   * MODERATED: successFlag 3, status GENERATE_FAILED, errorMessage 'Internal Error', errorCode 400.
   * NEVER: stays GENERATING forever (progress stalls).
   */
  readonly outcome: SimulatedOutcome;
  /** For this long after creation the record does not exist yet (body code 422 'record is null'). Default 0. */
  readonly invisibleForMs?: number;
  /** Number of coarse progress steps before the end. Default 4. */
  readonly progressSteps?: number;
  /** Default: one URL https://example.invalid/<taskId>/0.png */
  readonly resultUrls?: readonly string[];
  /** SUCCESS but the result URL list is empty (a provider quirk). */
  readonly successWithoutUrls?: boolean;
  /** The record's `errorCode` on failure. Default: 500 for GENERATE_FAILED, 400 otherwise. */
  readonly errorCode?: number;
  /** The record's `errorMessage` on failure. Default: 'Failed to generate image', 'content policy', 'Internal Error'. */
  readonly errorMessage?: string;
  /**
   * 'openapi' (default): int64 ms times, response.resultUrls. 'quickstart': 'YYYY-MM-DD HH:mm:ss' (UTC) strings,
   * response.result_urls. Applies to the families whose docs show both time forms (gpt4o-image, veo, luma).
   */
  readonly variant?: 'openapi' | 'quickstart';
  /** Which family's endpoint serves the task, in that family's record shape. Default 'gpt4o-image'. */
  readonly family?: SimulatedFamily;
  /**
   * Forces (true) or suppresses (false) the family's success quirk: runway fills failCode/failMsg on the
   * success, luma answers successFlag 4 ("callback failed"). Default: derived from (seed, taskId), about
   * one success in four.
   */
  readonly quirk?: boolean;
  /** Absolute http(s) URL the simulator POSTs the task's callback to once it is final (see `callbacks`). */
  readonly callBackUrl?: string;
}

/** Each a probability 0..1 applied per record-info request (seeded PRNG). Default all 0. */
export interface SimulatorFaults {
  /** Plain HTTP 502/503/504 with an HTML body. */
  readonly http5xx?: number;
  /** HTTP 200 with that body code and data null. */
  readonly body500?: number;
  /** HTTP 200 with body code 455 (maintenance) and data null. */
  readonly body455?: number;
  /** HTTP 200 with body code 429 (rate limited) and data null. */
  readonly body429?: number;
  /** HTTP 200 with body code 408 (timeout) and data null. */
  readonly body408?: number;
  /** Plain HTTP 429, sometimes with `Retry-After: 1`. */
  readonly http429?: number;
  /** HTTP 200 with a truncated JSON body. */
  readonly malformedJson?: number;
  /** Socket destroyed after the headers and part of the body. */
  readonly reset?: number;
  /** Delay the answer by slowMs (default 2000). */
  readonly slow?: number;
  /** How long a `slow` answer is delayed, in ms. Default 2000. */
  readonly slowMs?: number;
}

/** The pino-shaped logger the simulator accepts; it never writes to the console itself. */
export interface SimulatorLogger {
  /** Per-request detail. */
  debug(obj: object, msg?: string): void;
  /** Listening and closing. */
  info(obj: object, msg?: string): void;
}

/** Shapes the tasks created through the create endpoints (`POST /api/v1/gpt4o-image/generate`, `/api/v1/jobs/createTask`, ...). */
export interface SimulatorGenerateOptions {
  /** Default 5000. */
  readonly minDurationMs?: number;
  /** Default 30000. */
  readonly maxDurationMs?: number;
  /** Share of created tasks that end in a failure outcome. Default 0.1. */
  readonly failureRate?: number;
  /** Default 0. */
  readonly invisibleForMs?: number;
}

/** Options of {@link KieSimulator} and `startSimulator`; every one has a default. */
export interface KieSimulatorOptions {
  /** Default 'sim-key'. */
  readonly apiKey?: string;
  /** Default 3 requests ... */
  readonly perTaskLimit?: number;
  /** ... per sliding 1000 ms window per taskId. */
  readonly perTaskWindowMs?: number;
  /** Fault probabilities per record-info request. Default: none. */
  readonly faults?: SimulatorFaults;
  /** PRNG seed, default 1. */
  readonly seed?: number;
  /** Injectable clock in ms, default Date.now. */
  readonly now?: () => number;
  /** Default: no logging. */
  readonly logger?: SimulatorLogger;
  /** Extension: how the create endpoints shape the tasks they create. */
  readonly generate?: SimulatorGenerateOptions;
  /** The account's creation limit and credits on the create endpoints. Default 20 per 10 s, 1e9 credits. */
  readonly creation?: SimulatorCreationOptions;
  /** Faults of the create endpoints (create then reset, create then body 500, ...). Default: none. */
  readonly createFaults?: SimulatorCreateFaults;
  /** Signs callback deliveries with this webhook HMAC key. Default: unsigned. */
  readonly callbackHmacKey?: string;
  /** How callbacks are delivered (delay, duplicates, order, loss, retries). */
  readonly callbacks?: SimulatorCallbackOptions;
  /** How result files and their download links are served, and their faults (slow, truncated, expired). */
  readonly files?: SimulatorFileOptions;
}

/** One task's counters, as `taskStats()` and `GET /__sim/tasks/<id>` give them. */
export interface SimulatorTaskStats {
  /** The task. */
  readonly taskId: string;
  /** Record-info requests for it, every one counted (unauthorized, faulted and rate-limited included). */
  readonly requests: number;
  /** Requests that found more than `perTaskLimit` requests in their window. */
  readonly violations: number;
  /** See `finalAt()`. */
  readonly finalAt: number | null;
  /** How it was scripted to end. */
  readonly outcome: SimulatedOutcome;
  /** The family whose endpoint and record shape the task is served with. */
  readonly family: SimulatedFamily;
}

/** The simulator's counters, as `stats()` and `GET /__sim/stats` give them. */
export interface SimulatorStats {
  /** Record-info requests (other routes are not counted). */
  readonly requests: number;
  /** Requests over the per-task limit, all tasks together: must stay 0 for a correct watcher. */
  readonly violations: number;
  /** Requests answered with an injected fault. */
  readonly faultsInjected: number;
  /** Requests without the right bearer token. */
  readonly unauthorized: number;
  /** Requests for a task never added. */
  readonly unknownTask: number;
  /** Tasks added so far. */
  readonly tasks: number;
  /** The most requests any one task had in one window (saturates at 1024). */
  readonly maxRequestsInWindow: number;
}

/** A delay: fixed ms, or a `[min, max]` range drawn per callback from the seeded PRNG. */
export type SimulatedDelay = number | readonly [number, number];

/**
 * How the simulator delivers callbacks. Knobs drawn per callback (`delayMs`, `duplicateRate`, `duplicateDelayMs`,
 * `outOfOrder`, `outOfOrderDelayMs`, `lossRate`) apply to tasks added after they are set; the rest apply to every
 * attempt (and `tickMs` to every check) from then on.
 */
export interface SimulatorCallbackOptions {
  /** From the task's final state to the first attempt, in simulator-clock ms. @default 0 */
  readonly delayMs?: SimulatedDelay | undefined;
  /** Share of callbacks delivered twice (two independent deliveries of the same body). @default 0 */
  readonly duplicateRate?: number | undefined;
  /** From a callback to its duplicate. @default 0 */
  readonly duplicateDelayMs?: SimulatedDelay | undefined;
  /** Share of callbacks held back by `outOfOrderDelayMs`, so that later tasks' callbacks overtake them. @default 0 */
  readonly outOfOrder?: number | undefined;
  /** @default 1000 */
  readonly outOfOrderDelayMs?: number | undefined;
  /** Share of callbacks never sent. @default 0 */
  readonly lossRate?: number | undefined;
  /** Attempts per delivery, the first included; KIE stops after 3 failed ones. @default 3 */
  readonly maxAttempts?: number | undefined;
  /** Wait before retry n (1-based) is `retryBackoffMs * 2^(n-1)`, in simulator-clock ms. @default 1000 */
  readonly retryBackoffMs?: number | undefined;
  /** Per-attempt timeout in real ms, as KIE's 15 s. A timeout counts as a failed attempt. @default 15000 */
  readonly timeoutMs?: number | undefined;
  /** Signs every delivery (`X-Webhook-Timestamp`, `X-Webhook-Signature`); `null` stops signing. @default unsigned */
  readonly hmacKey?: string | null | undefined;
  /**
   * Real ms between two checks for due deliveries. Under a compressed clock (a `now` that runs faster than real
   * time) 10 ms of real time is a coarse step of simulator time: lower it there. @default 10
   */
  readonly tickMs?: number | undefined;
}

/** The knobs in effect, every default filled in (the key excluded). */
export type SimulatorCallbackKnobs = {
  readonly [K in Exclude<keyof SimulatorCallbackOptions, 'hmacKey'>]-?: Exclude<SimulatorCallbackOptions[K], undefined>;
};

/** One attempt at delivering a callback. */
export interface SimulatedCallbackAttempt {
  /** Simulator-clock ms when the attempt started. */
  readonly at: number;
  /** `delivered` (a 2xx answer), `http-error` (another status), `network-error` or `timeout` (over `timeoutMs`). */
  readonly outcome: 'delivered' | 'http-error' | 'network-error' | 'timeout';
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  /** Real ms the attempt took. */
  readonly durationMs: number;
}

/** One callback the simulator owes, as `GET /__sim/callbacks` and `callbackLog()` show it. */
export interface SimulatedCallbackDelivery {
  /** Sequential, from 1, in the order deliveries were created. */
  readonly id: number;
  /** The task called back for. */
  readonly taskId: string;
  /** The task's `callBackUrl`. */
  readonly url: string;
  /** `duplicate` for the second delivery `duplicateRate` adds. */
  readonly kind: 'first' | 'duplicate';
  /**
   * `scheduled` (waiting for `dueAt`, or for a retry), `in-flight`, then `delivered`, `failed` (every attempt
   * failed), `lost` (never sent, by `lossRate`) or `cancelled` (the simulator closed first).
   */
  readonly state: 'scheduled' | 'in-flight' | 'delivered' | 'failed' | 'lost' | 'cancelled';
  /** Simulator-clock ms at which the task became final. */
  readonly finalAt: number;
  /** Simulator-clock ms of the next (or first) attempt. */
  readonly dueAt: number;
  /** Held back by `outOfOrder`. */
  readonly heldBack: boolean;
  /** The attempts so far, oldest first. */
  readonly attempts: readonly SimulatedCallbackAttempt[];
}

/** Counts over every callback since the simulator started (the log itself keeps the latest 10,000). */
export interface SimulatorCallbackStats {
  /** Deliveries waiting now (for their first attempt or a retry). */
  readonly scheduled: number;
  /** Attempts under way now. */
  readonly inFlight: number;
  /** Deliveries that succeeded. */
  readonly delivered: number;
  /** Deliveries whose every attempt failed. */
  readonly failed: number;
  /** Deliveries never sent (`lossRate`). */
  readonly lost: number;
  /** Attempts made, retries included. */
  readonly attempts: number;
}

/** `GET /__sim/callbacks`. The key is never shown: `signed` says whether there is one. */
export interface SimulatorCallbackLog {
  /** The knobs in effect. */
  readonly options: SimulatorCallbackKnobs & {
    /** Whether deliveries are signed (an `hmacKey` is set). */
    readonly signed: boolean;
  };
  /** Counts since the simulator started. */
  readonly stats: SimulatorCallbackStats;
  /** The latest 10,000 deliveries, plus any still scheduled or in flight. */
  readonly deliveries: SimulatedCallbackDelivery[];
}

/** How the simulator hands out result files, and the faults it injects into them. */
export interface SimulatorFileOptions {
  /** How long a direct link from a download-url endpoint stays valid, in ms; after that it answers 404. Default 1200000 (20 min). */
  readonly linkTtlMs?: number;
  /** How long after its creation a task's files are kept (download-url then answers 422), in ms. Default 14 days (Midjourney: 15). */
  readonly retentionMs?: number;
  /** Probability that a file's body stops halfway for `slowBodyMs` before the rest comes. Default 0. */
  readonly slowBody?: number;
  /** How long a slow body pauses, in ms. Default 2000. */
  readonly slowBodyMs?: number;
  /** Probability that a file's body is cut off halfway (the socket closes short of its `content-length`). Default 0. */
  readonly truncatedBody?: number;
  /** Probability that a direct link answers 404 as if it had expired. Default 0. */
  readonly expiredLink?: number;
}

/** Counters of the file routes since the simulator started. */
export interface SimulatorFileStats {
  /** Requests to the download-url endpoints. */
  readonly linkRequests: number;
  /** Links handed out. */
  readonly linksIssued: number;
  /** GETs of a direct link. */
  readonly fileRequests: number;
  /** Files sent whole. */
  readonly filesServed: number;
  /** GETs answered 404 because the link had expired (or the `expiredLink` fault). */
  readonly expired: number;
  /** Bodies cut off by the `truncatedBody` fault. */
  readonly truncated: number;
  /** Bodies paused by the `slowBody` fault. */
  readonly slowed: number;
}
