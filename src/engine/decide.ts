import { MAX_TIMER_MS } from '../clock.js';
import { InvalidResponseError, KieApiError, TaskFailedError, TransportError } from '../errors.js';
import type { FamilyVerdict, RecordView } from '../families/family.js';
import { expiresAt } from '../download/retention.js';
import type { ResolvedRetry } from '../options.js';
import type { PollOutcome } from '../transport/envelope.js';
import type { KeyRedactor } from '../transport/redact.js';
import { HostNotFoundError } from '../transport/host-not-found.js';
import { backoffMs, describeError } from './retry.js';
import type { Settlement } from './task.js';

/** An answer, or the request's failure. */
export type Answer = PollOutcome | { readonly kind: 'transport'; readonly error: unknown };

/** A readable record that ends the task. */
export type FinalRecord = Extract<FamilyVerdict<unknown>, { kind: 'success' | 'failure' }>;
/** A readable record that does not. */
export type PendingRecord = Extract<FamilyVerdict<unknown>, { kind: 'pending' }>;

/** What {@link decide} reads of a task: who it is, when watching started, and its give-up streaks. */
export interface DecisionTask {
  readonly taskId: string;
  readonly family: { readonly id: string };
  /** Monotonic ms. */
  readonly watchedAt: number;
  readonly errors: number;
  readonly invalid: number;
  readonly rateStreak: number;
}

/** The rules {@link decide} applies. */
export interface DecisionLimits {
  readonly retry: ResolvedRetry;
  readonly unknownTaskGraceMs: number;
  /** The per-task spacing: no retry is sooner. */
  readonly minIntervalMs: number;
  /** Hides the API key in provider text (pure): it is the only way provider text reaches an error or a reason. */
  readonly redact: (text: string) => string;
  /** The backoff jitter, in [0, 1); asked only when a backoff is computed (so injected sequences stay in step). */
  readonly random: () => number;
}

/** Which give-up streak an answer extends (the others reset only on a readable record). */
export type Streak = 'errors' | 'invalid' | 'rateStreak';

/**
 * What to do with one answer, decided from the task's streaks alone:
 * - `observe`: a readable record, not final; poll again when the policy says.
 * - `retry`: try again after `delayMs` (a whole number of ms, within [per-task spacing, timer maximum]).
 * - `settle`: the provider's final word: a record, or its "generation failed" code (kept for late waiters).
 * - `fail`: the watcher gives up on this task only.
 * - `halt`: the key or account is unusable; every task stops.
 */
export type Step =
  | { readonly kind: 'observe'; readonly verdict: PendingRecord }
  | { readonly kind: 'settle'; readonly verdict: FinalRecord }
  | { readonly kind: 'settle'; readonly verdict: null; readonly error: TaskFailedError }
  | {
      readonly kind: 'retry';
      readonly delayMs: number;
      readonly reason: string;
      readonly streak: Streak;
      /** What the retry event reports: the failed attempts in a row, at least 1. */
      readonly attempt: number;
      /** Set for a 429: the account pause is the effect's to ask for. */
      readonly rateLimited: { readonly source: 'http' | 'body'; readonly retryAfterMs: number | null } | null;
    }
  | { readonly kind: 'fail'; readonly streak: Streak | null; readonly error: InvalidResponseError | KieApiError | TransportError }
  | { readonly kind: 'halt'; readonly error: KieApiError };

/**
 * The engine's decision for one answer, as core-lro's `processOperationStatus`: `(task, answer) -> step`. Pure:
 * it changes nothing (the streaks it extends are named in the step, for `answers.ts` to apply) and reads no clock.
 */
export function decide(task: DecisionTask, answer: Answer, limits: DecisionLimits, now: number): Step {
  switch (answer.kind) {
    case 'pending':
      return { kind: 'observe', verdict: answer };
    case 'success':
    case 'failure':
      return { kind: 'settle', verdict: answer };
    case 'invalid':
    case 'invalid-answer': {
      const invalid = task.invalid + 1;
      const httpStatus = answer.kind === 'invalid-answer' ? answer.httpStatus : 200;
      if (invalid >= limits.retry.maxInvalidResponses) {
        return { kind: 'fail', streak: 'invalid', error: new InvalidResponseError(task.taskId, answer.reason, answer.issues, httpStatus, task.family.id) };
      }
      return retry('invalid', task.errors + invalid, backoff(invalid, limits), `invalid response: ${answer.reason}`);
    }
    case 'unknown-task': {
      const grace = limits.unknownTaskGraceMs;
      const message = limits.redact(answer.providerMessage);
      if (now - task.watchedAt >= grace) {
        const error = new KieApiError({
          taskId: task.taskId,
          family: task.family.id,
          providerCode: answer.providerCode,
          providerMessage: message,
          httpStatus: 200,
          message: `task ${task.taskId} is still unknown to the API ${grace} ms after watching started (${answer.providerCode}: ${message})`,
        });
        return { kind: 'fail', streak: 'errors', error };
      }
      const errors = task.errors + 1;
      const left = task.watchedAt + grace - now;
      const delay = Math.max(limits.minIntervalMs, Math.min(left, backoff(errors, limits)));
      return retry('errors', errors + task.invalid, delay, `task not visible yet (${answer.providerCode})`);
    }
    case 'rate-limited': {
      const streak = task.rateStreak + 1;
      const delay = Math.max(answer.retryAfterMs ?? backoff(streak, limits), limits.minIntervalMs);
      const reason = answer.scope === 'http' ? 'HTTP 429' : 'body code 429';
      return { kind: 'retry', delayMs: wholeMs(delay), reason, streak: 'rateStreak', attempt: streak, rateLimited: { source: answer.scope, retryAfterMs: answer.retryAfterMs } };
    }
    case 'transient':
    case 'transport': {
      const errors = task.errors + 1;
      const reason = answer.kind === 'transient' ? limits.redact(answer.reason) : describeError(answer.error);
      // A host name that never resolved is a misspelt baseUrl: retrying it for minutes helps nobody.
      if (errors >= limits.retry.maxConsecutiveErrors || (answer.kind === 'transport' && answer.error instanceof HostNotFoundError)) {
        const cause = answer.kind === 'transport' ? answer.error : new Error(reason);
        return { kind: 'fail', streak: 'errors', error: new TransportError(task.taskId, errors, cause, task.family.id) };
      }
      return retry('errors', errors + task.invalid, backoff(errors, limits), reason);
    }
    case 'task-failed': {
      const error = new TaskFailedError({
        taskId: task.taskId,
        family: task.family.id,
        status: null,
        successFlag: null,
        errorCode: answer.providerCode,
        errorMessage: limits.redact(answer.providerMessage),
        record: null,
      });
      return { kind: 'settle', verdict: null, error };
    }
    case 'fatal': {
      const error = new KieApiError({
        taskId: task.taskId,
        family: task.family.id,
        providerCode: answer.providerCode,
        providerMessage: limits.redact(answer.providerMessage),
        httpStatus: answer.httpStatus,
        accountWide: answer.accountWide,
      });
      return answer.accountWide ? { kind: 'halt', error } : { kind: 'fail', streak: null, error };
    }
  }
}

/**
 * The settlement a final record makes. Pure: the provider's text in the error is redacted, and so is the
 * record when the answer echoed the key.
 */
export function finalSettlement(task: DecisionTask, verdict: FinalRecord, echoesKey: boolean, redactor: KeyRedactor, nowEpoch: number): Settlement {
  if (verdict.kind === 'success') {
    const view: RecordView = verdict.view;
    return {
      ok: true,
      result: {
        taskId: task.taskId,
        family: task.family.id,
        status: 'SUCCESS',
        resultUrls: verdict.resultUrls,
        progress: 1,
        createTime: view.createTime,
        completeTime: view.completeTime,
        expiresAt: expiresAt(task.family.id, view.createTime, view.completeTime, nowEpoch),
        params: verdict.params,
        record: verdict.record,
      },
    };
  }
  const f = verdict.failure;
  const error = new TaskFailedError({
    taskId: task.taskId,
    family: task.family.id,
    status: f.status,
    successFlag: f.successFlag,
    errorCode: f.errorCode,
    errorMessage: f.errorMessage === null ? null : redactor.redact(f.errorMessage),
    record: echoesKey ? redactor.redactDeep(verdict.record) : verdict.record,
  });
  return { ok: false, error };
}

function retry(streak: Streak, failedInARow: number, delay: number, reason: string): Step {
  return { kind: 'retry', delayMs: wholeMs(delay), reason, streak, attempt: Math.max(1, failedInARow), rateLimited: null };
}

function backoff(attempt: number, limits: DecisionLimits): number {
  return backoffMs(attempt, limits.retry, limits.random, limits.minIntervalMs);
}

/** Whole ms, rounded up (users read it, and up keeps it at or above the per-task spacing), below the timer maximum. */
function wholeMs(delay: number): number {
  return Math.min(MAX_TIMER_MS, Math.ceil(delay));
}
