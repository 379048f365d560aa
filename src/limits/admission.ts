import type { Log } from '../logger.js';
import { describe } from '../validate.js';
import type { TaskRateLimiter } from './task-limiter.js';
import { AccountBudget } from './account-budget.js';
import type { Notifier } from '../engine/notifier.js';
import type { TaskEntry } from '../engine/task.js';

/**
 * Shortest deferral after a refusal. A limiter that refuses with a retry time in the past (or now) would
 * otherwise be asked again at once, forever, inside one tick.
 */
export const MIN_DEFER_MS = 50;

/**
 * The gate every request passes just before it is sent: the account (budget, 429 pause), then the task's own
 * rate limiter. It reads time from its own clock, in epoch ms, never from `performance.now()`, so that a
 * limiter shared between processes can reason about the same instants. The in-memory path is synchronous.
 */
export class Admission {
  readonly #limiter: TaskRateLimiter;
  readonly #account: AccountBudget;
  readonly #minIntervalMs: number;
  readonly #notifier: Notifier;
  readonly #log: Log;
  #warnedBadRetryAt = false;
  #reportedBadShape = false;

  constructor(options: { limiter: TaskRateLimiter; accountRequestsPerSecond: number | null; minIntervalMs: number; notifier: Notifier; log: Log }) {
    this.#limiter = options.limiter;
    this.#account = new AccountBudget(options.accountRequestsPerSecond);
    this.#minIntervalMs = options.minIntervalMs;
    this.#notifier = options.notifier;
    this.#log = options.log;
  }

  /** The earliest time (epoch ms) the account lets any request go. */
  accountAllowedAt(nowEpoch: number): number {
    return this.#account.allowedAt(nowEpoch);
  }

  /** Counts an API request that is not a poll (a download-url request) against the account budget. */
  takeAccount(nowEpoch: number): void {
    this.#account.take(nowEpoch);
  }

  /**
   * Takes a slot for the task at `nowEpoch` (the account's has been checked by the caller). Returns `true`, or
   * the epoch time to ask again, at least {@link MIN_DEFER_MS} ahead. A limiter that throws refuses: the
   * request is never sent unchecked.
   */
  admit(task: TaskEntry, nowEpoch: number): true | number {
    let decision: unknown;
    try {
      decision = this.#limiter.take(task.taskId, nowEpoch);
    } catch (err) {
      this.#notifier.report('rateLimiter', err, { taskId: task.taskId, family: task.family.id });
      return nowEpoch + this.#minIntervalMs;
    }
    if (!isDecision(decision)) {
      // Not the documented shape: a refusal, reported once. A Promise (an async limiter) is not awaited: the
      // scheduler decides synchronously, so its slot could not be known in time.
      if (decision instanceof Promise) decision.catch(() => undefined);
      if (!this.#reportedBadShape) {
        this.#reportedBadShape = true;
        const what = decision instanceof Promise ? 'a Promise (take() must answer synchronously)' : `${describe(decision)} instead of { allowed: true } or { allowed: false, retryAt }`;
        this.#notifier.report('rateLimiter', new TypeError(`rateLimiter.take() returned ${what}; the request was refused`), { taskId: task.taskId, family: task.family.id });
      }
      return nowEpoch + this.#minIntervalMs;
    }
    if (decision.allowed) {
      this.#account.take(nowEpoch);
      return true;
    }
    const retryAt = decision.retryAt;
    if (!Number.isFinite(retryAt) || retryAt < nowEpoch + MIN_DEFER_MS) {
      if (!this.#warnedBadRetryAt && !(retryAt >= nowEpoch)) {
        this.#warnedBadRetryAt = true;
        this.#log.warn({ retryAt, now: nowEpoch }, `kie-watcher: the rate limiter refused with a retry time that is not in the future; deferring by ${MIN_DEFER_MS} ms at least`);
      }
      return nowEpoch + (Number.isFinite(retryAt) ? MIN_DEFER_MS : this.#minIntervalMs);
    }
    return retryAt;
  }

  onAnswer(): void {
    this.#account.onAnswer();
  }

  /** See {@link AccountBudget.on429}. */
  on429(nowEpoch: number, taskId: string, source: 'http' | 'body', retryAfterMs: number | null, backoff: (attempt: number) => number): number | null {
    return this.#account.on429(nowEpoch, taskId, source, retryAfterMs, backoff);
  }

  /** The task is no longer watched; its limiter state must still outlive its last request's window. */
  forget(task: TaskEntry, nowEpoch: number): void {
    try {
      this.#limiter.forget(task.taskId, nowEpoch);
    } catch (err) {
      this.#notifier.report('rateLimiter', err, { taskId: task.taskId, family: task.family.id });
    }
  }
}

function isDecision(value: unknown): value is ReturnType<TaskRateLimiter['take']> {
  return typeof value === 'object' && value !== null && !(value instanceof Promise) && ((value as { allowed?: unknown }).allowed === true || (value as { allowed?: unknown }).allowed === false);
}
