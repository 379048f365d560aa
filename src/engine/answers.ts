import { MAX_TIMER_MS, type Clock } from '../clock.js';
import { rateLimitedChannel } from '../diagnostics.js';
import type { KieApiError } from '../errors.js';
import type { ProgressEvent, TaskState } from '../events.js';
import type { FamilyVerdict } from '../families/family.js';
import type { Log } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import { adaptivePolicy, type PolicyRuntime } from '../policy/index.js';
import type { KeyRedactor } from '../transport/redact.js';
import type { Admission } from '../limits/admission.js';
import { describe, taskKey } from '../validate.js';
import type { Notifier } from './notifier.js';
import { censoredObservation, endObservation, foldRecord, pollState } from './progress.js';
import { ctxOf, type Registry } from './registry.js';
import { CallbackMisses } from './callback-misses.js';
import { backoffMs } from './retry.js';
import { decide, finalSettlement, type Answer, type DecisionLimits, type FinalRecord } from './decide.js';

export type { Answer } from './decide.js';
import type { FleetObserver } from './fleet-observer.js';
import type { PollDriver } from './scheduler.js';
import type { Stats } from './stats.js';
import { hasFlag, setFlag, TaskFlag, type Settlement, type TaskEntry } from './task.js';

interface AnswerDeps {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Log;
  readonly policy: PolicyRuntime;
  readonly minIntervalMs: number;
  readonly registry: Registry;
  readonly scheduler: PollDriver;
  /** In fleet mode: told of progress and account pauses; answers for tasks nobody here waits on still count. */
  readonly fleet: FleetObserver | undefined;
  readonly admission: Admission;
  readonly notifier: Notifier;
  readonly redactor: KeyRedactor;
  readonly stats: Stats;
  /** 401/402: the key or account is unusable; every task stops. */
  readonly halt: (error: KieApiError) => void;
}

type Record = Extract<FamilyVerdict<unknown>, { record: unknown }>;

/** The rise of the miss rate that plans the scheduled callback-expecting polls again. */
const REPLAN_STEP = 0.05;

/**
 * The one door every outcome goes through: {@link decide} says what the answer means (`observe / retry / settle /
 * fail / halt`), and this carries the step out. Each branch changes the task's state and schedules what follows
 * first; events and user callbacks are queued on the notifier and run after.
 */
export class Answers {
  readonly #d: AnswerDeps;
  #reportedPolicyShape = false;
  readonly #misses: CallbackMisses;
  /** The miss rate the polls scheduled now were planned with (see `#replanIfWorse`). */
  #plannedMissRate = 0;
  readonly #limits: DecisionLimits;

  constructor(deps: AnswerDeps) {
    this.#d = deps;
    const { opts, redactor } = deps;
    this.#limits = { retry: opts.retry, unknownTaskGraceMs: opts.unknownTaskGraceMs, minIntervalMs: deps.minIntervalMs, redact: (t) => redactor.redact(t), random: deps.random };
    const fleet = deps.fleet;
    this.#misses = new CallbackMisses(fleet === undefined ? undefined : (ids) => fleet.callbacksSeen(ids));
  }

  /** A callback for a task not watched here (any more): it may be the late callback of an end a poll found. */
  lateCallback(family: string, taskId: string): void {
    this.#misses.lateCallback(taskKey(family, taskId), this.#d.clock.now());
  }

  /** The watch of `task` stopped before its end was seen: a censored duration for the policy. */
  stopped(task: TaskEntry): void {
    if (this.#d.policy.learns) this.#d.policy.observe(censoredObservation(task, this.#d.clock.now(), this.#d.clock.epochNow()));
  }

  /** Applies one answer for `task` (its request ends in `request.ts`, which releases the entry if nobody keeps it): decides, then carries the step out. */
  apply(task: TaskEntry, answer: Answer, echoesKey: boolean): void {
    const { registry } = this.#d;
    // In process, nobody else needs the answer of a task nobody here waits for; in a fleet, others do.
    if (task.interests.size === 0 && this.#d.fleet === undefined) {
      // Nobody waits any more, but a final answer is still worth keeping for a late waiter.
      if (answer.kind === 'success' || answer.kind === 'failure') registry.cacheOnly(task, this.#finalSettlement(task, answer, echoesKey));
      return;
    }
    const now = this.#d.clock.now();
    const step = decide(task, answer, this.#limits, now);
    // An answer about the task ends the account's 429 streak (a readable record does so in `#record`).
    if (answer.kind === 'unknown-task') this.#d.admission.onAnswer();
    switch (step.kind) {
      case 'observe': {
        const { verdict } = step;
        this.#record(task, verdict, 'pending', now);
        if (verdict.unknownStatus && !hasFlag(task, TaskFlag.UNKNOWN_STATUS_LOGGED)) {
          setFlag(task, TaskFlag.UNKNOWN_STATUS_LOGGED);
          const status = verdict.view.status === null ? null : this.#d.redactor.redact(verdict.view.status);
          this.#taskLog(task).warn({ status }, 'undocumented status, treated as not final');
        }
        // A poke that came while the request was out asks for another look as soon as the limit allows.
        this.#d.scheduler.schedule(task, hasFlag(task, TaskFlag.POKED) ? now : now + this.#nextDelay(task, now));
        return;
      }
      case 'settle': {
        const { verdict } = step;
        if (verdict === null) {
          registry.settle(task, { ok: false, error: step.error }, true);
          return;
        }
        const previousAnswerAt = task.lastAnswerAt;
        this.#record(task, verdict, verdict.kind, now);
        if (this.#d.policy.learns) this.#d.policy.observe(endObservation(task, previousAnswerAt, verdict.view.completeTime, now, this.#d.clock.epochNow()));
        if (hasFlag(task, TaskFlag.EXPECT_CALLBACK)) {
          // A poke that came while the finding request was out is the callback too, just a little late.
          if (hasFlag(task, TaskFlag.LAST_POLL_POKED) || hasFlag(task, TaskFlag.POKED)) this.#misses.announced();
          else this.#misses.found(taskKey(task.family.id, task.taskId), now);
        }
        this.#debug(task, { status: verdict.view.status }, verdict.kind === 'success' ? 'task completed' : 'task failed');
        registry.settle(task, this.#finalSettlement(task, verdict, echoesKey), true);
        return;
      }
      case 'retry':
        task[step.streak] += 1;
        if (step.rateLimited === null) this.#retry(task, now, step.delayMs, step.reason, step.attempt);
        else this.#rateLimited(task, step.rateLimited.source, step.rateLimited.retryAfterMs, step.delayMs, now);
        task.lastReason = step.reason;
        return;
      case 'fail':
        if (step.streak !== null) task[step.streak] += 1;
        this.#debug(task, { code: step.error.code }, 'watch ended with an error');
        registry.settle(task, { ok: false, error: step.error }, false);
        return;
      case 'halt':
        this.#d.halt(step.error);
        return;
    }
  }

  /** A readable record: counts as a poll, resets the error streaks, folds progress and queues the event. */
  #record(task: TaskEntry, verdict: Record, state: TaskState, now: number): void {
    this.#d.admission.onAnswer();
    this.#d.stats.count('polls');
    task.polls += 1;
    task.errors = 0;
    task.invalid = 0;
    task.rateStreak = 0;
    task.lastReason = null;
    if (!foldRecord(task, verdict.view, state, now)) return;
    const event: ProgressEvent = {
      taskId: task.taskId,
      family: task.family.id,
      progress: task.progress ?? 0,
      status: verdict.view.status,
      state,
      record: verdict.record,
    };
    this.#d.fleet?.progressed(task, event);
    if (task.interests.size === 0) return;
    this.#d.notifier.emit('progress', event, ctxOf(task));
    this.#d.registry.notifyProgress(task, event);
  }

  #finalSettlement(task: TaskEntry, verdict: FinalRecord, echoesKey: boolean): Settlement {
    return finalSettlement(task, verdict, echoesKey, this.#d.redactor, this.#d.clock.epochNow());
  }

  #retry(task: TaskEntry, now: number, delayMs: number, reason: string, attempt: number): void {
    this.#d.stats.count('retries');
    if (task.interests.size > 0) this.#d.notifier.emit('retry', { taskId: task.taskId, family: task.family.id, attempt, delayMs, reason }, ctxOf(task));
    this.#debug(task, { attempt, delayMs, reason }, 'retrying');
    this.#d.scheduler.schedule(task, now + delayMs);
  }

  #rateLimited(task: TaskEntry, source: 'http' | 'body', retryAfterMs: number | null, delayMs: number, now: number): void {
    const { admission, notifier } = this.#d;
    this.#d.stats.count('rateLimited');
    const ctx = ctxOf(task);
    const family = task.family.id;
    const local = task.interests.size > 0;
    if (local) notifier.emit('rateLimited', { taskId: task.taskId, family, scope: 'task', delayMs, source }, ctx);
    if (rateLimitedChannel.hasSubscribers) rateLimitedChannel.publish({ family, taskId: task.taskId, scope: 'task', delayMs, source });
    const pauseMs = admission.on429(this.#d.clock.epochNow(), task.taskId, source, retryAfterMs, (n) => this.#backoff(n));
    const pause = pauseMs === null ? null : Math.ceil(pauseMs);
    if (pause !== null) {
      this.#d.fleet?.pauseAccount(pause);
      if (local) notifier.emit('rateLimited', { taskId: task.taskId, family, scope: 'account', delayMs: pause, source }, ctx);
      if (rateLimitedChannel.hasSubscribers) rateLimitedChannel.publish({ family, taskId: task.taskId, scope: 'account', delayMs: pause, source });
    }
    this.#debug(task, { delayMs, source, accountPauseMs: pause }, 'rate limited');
    this.#d.scheduler.schedule(task, now + delayMs);
  }

  #backoff(attempt: number): number {
    return backoffMs(attempt, this.#d.opts.retry, this.#d.random, this.#d.minIntervalMs);
  }

  /**
   * The policy's delay to the next poll, clamped to [rate-limit interval, 2^31-2 ms]: `Infinity` means as late
   * as possible; `NaN`, a negative number or a throw mean the interval (a throw is reported).
   */
  /**
   * The first tasks are planned on the belief that callbacks arrive (polls a minute or more apart). When misses
   * prove it wrong, polls planned on it would still wait that long: plan each scheduled callback-expecting task
   * again from its last answer, and bring its poll forward if the new plan says so.
   */
  #replanIfWorse(rate: number, now: number): void {
    if (rate < this.#plannedMissRate + REPLAN_STEP) {
      this.#plannedMissRate = Math.min(this.#plannedMissRate, rate);
      return;
    }
    this.#plannedMissRate = rate;
    for (const task of this.#d.registry.attachedTasks()) {
      if (!hasFlag(task, TaskFlag.EXPECT_CALLBACK) || task.inFlight || task.lastAnswerAt < 0 || task.errors > 0 || task.rateStreak > 0) continue;
      const at = Math.max(now, task.lastAnswerAt + this.#nextDelay(task, task.lastAnswerAt, rate));
      if (at < task.heapKey) this.#d.scheduler.schedule(task, at);
    }
  }

  #nextDelay(task: TaskEntry, now: number, missRate?: number): number {
    const { minIntervalMs } = this.#d;
    let delay: unknown;
    let rate = missRate;
    if (rate === undefined) {
      rate = this.#misses.rate(now);
      if (hasFlag(task, TaskFlag.EXPECT_CALLBACK)) this.#replanIfWorse(rate, now);
    }
    try {
      delay = this.#d.policy.delay(pollState(task, now, this.#d.clock.epochNow(), minIntervalMs, rate));
    } catch (err) {
      this.#d.notifier.report('policy', err, ctxOf(task));
      return minIntervalMs;
    }
    if (typeof delay !== 'number') {
      // An async policy (a Promise) or no answer at all: the default schedule, not the fastest, reported once.
      if (delay instanceof Promise) (delay as Promise<unknown>).catch(() => undefined);
      if (!this.#reportedPolicyShape) {
        this.#reportedPolicyShape = true;
        const what = delay instanceof Promise ? 'a Promise (a policy must answer synchronously)' : `${describe(delay)} instead of a number of ms`;
        this.#d.notifier.report('policy', new TypeError(`the polling policy returned ${what}; polling on the default 'adaptive' schedule`), ctxOf(task));
      }
      delay = adaptivePolicy(pollState(task, now, this.#d.clock.epochNow(), minIntervalMs, rate));
    }
    const ms = delay as number;
    if (ms === Infinity) return MAX_TIMER_MS;
    if (Number.isNaN(ms)) return minIntervalMs;
    return Math.min(MAX_TIMER_MS, Math.max(minIntervalMs, ms));
  }

  #taskLog(task: TaskEntry): Log {
    // A child per task, made only when something is logged for it: 100k silent tasks cost nothing.
    task.log ??= this.#d.log.child({ taskId: task.taskId, family: task.family.id });
    return task.log;
  }

  #debug(task: TaskEntry, obj: object, msg: string): void {
    if (this.#d.log.debugEnabled) this.#taskLog(task).debug(obj, msg);
  }
}
