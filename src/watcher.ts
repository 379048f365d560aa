import { EventEmitter, setMaxListeners } from 'node:events';
import { pino, type Logger } from 'pino';
import { AccountBudget } from './account-budget.js';
import { classifyResponse, isAccountFatal, type PollOutcome } from './classify.js';
import { MAX_TIMER_MS, systemClock, type Clock } from './clock.js';
import {
  AbortError,
  InvalidResponseError,
  KieApiError,
  TaskFailedError,
  TransportError,
  WatchTimeoutError,
  WatcherClosedError,
  type KieWatcherError,
} from './errors.js';
import type { ProgressEvent, TaskUpdate, TaskWatcherEvents, WatchResult, WatcherStats } from './events.js';
import { paramsForWindow } from './gcra.js';
import { IndexedMinHeap, type HeapItem } from './heap.js';
import { RecordInfoClient, ResponseTooLargeError, USER_AGENT } from './http.js';
import { checkFunction, checkNumber, checkObject, checkSignal, checkTaskId, MAX_TIMEOUT_MS, resolveOptions, type ResolvedOptions, type TaskWatcherOptions } from './options.js';
import { estimateEta, resolvePolicy, type PollingPolicyFunction } from './policy.js';
import { parseParams, type TaskRecord } from './record.js';
import { MemoryTaskRateLimiter, type PendingTaskStore, type TaskRateLimiter } from './stores.js';
import { UpdateStream } from './update-stream.js';

export interface WaitOptions {
  /** Aborting rejects this wait with `AbortError`; other waiters of the task are not disturbed. */
  readonly signal?: AbortSignal;
  /** This wait's deadline. @default the watcher's `timeoutMs` (15 min) */
  readonly timeoutMs?: number;
  /** Called on each progress rise of this task. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface WatchOptions {
  /** @default the watcher's `timeoutMs` */
  readonly timeoutMs?: number;
}

/** A createTime further back than this is taken as clock skew or a resumed old task, not a progress origin. */
const PLAUSIBLE_AGE_MS = 24 * 3_600_000;

type Settlement = { readonly ok: true; readonly result: WatchResult } | { readonly ok: false; readonly error: KieWatcherError };

/** One reason to keep polling a task: a waiter, an `updates()` stream, or a `watch()` call. Its deadline sits in the deadline heap. */
export interface Interest extends HeapItem {
  readonly task: TaskEntry;
  readonly kind: 'wait' | 'watch' | 'updates';
  readonly timeoutMs: number;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  readonly settle: (s: Settlement) => void;
  detach: (() => void) | undefined;
}

interface TaskEntry extends HeapItem {
  readonly taskId: string;
  readonly watchedAt: number;
  readonly interests: Set<Interest>;
  watchInterest: Interest | null;
  inFlight: boolean;
  dropped: boolean;
  polls: number;
  errors: number;
  invalid: number;
  rateStreak: number;
  status: string | null;
  progress: number | null;
  firstProgressAt: number;
  firstProgress: number;
  /** When progress last rose: the midpoint between the answer that showed it and the one before. */
  lastProgressAt: number;
  /** When the previous record answer arrived (-1: none yet). */
  lastAnswerAt: number;
  createTime: number | null;
  unknownStatusLogged: boolean;
  log: Logger | undefined;
}

interface Counters {
  requests: number;
  polls: number;
  retries: number;
  rateLimited: number;
  completed: number;
  failed: number;
  timedOut: number;
  aborted: number;
}

/**
 * Watches KIE tasks until they finish. One instance per process: a single scheduler (one heap, one timer)
 * polls every pending task within the per-task rate limit, the in-flight cap and the account budget.
 */
export class TaskWatcher extends EventEmitter<TaskWatcherEvents> {
  readonly #opts: ResolvedOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #policy: PollingPolicyFunction;
  readonly #minIntervalMs: number;
  readonly #limiter: TaskRateLimiter;
  readonly #store: PendingTaskStore | undefined;
  readonly #account: AccountBudget;
  readonly #client: RecordInfoClient;
  readonly #tasks = new Map<string, TaskEntry>();
  readonly #polls = new IndexedMinHeap<TaskEntry>();
  readonly #deadlines = new IndexedMinHeap<Interest>();
  readonly #cache = new Map<string, { readonly settlement: Settlement; readonly expiresAt: number }>();
  readonly #inFlightRequests = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #counters: Counters = { requests: 0, polls: 0, retries: 0, rateLimited: 0, completed: 0, failed: 0, timedOut: 0, aborted: 0 };
  #inFlight = 0;
  #timer: unknown = undefined;
  #timerAt = Infinity;
  #pumping = false;
  #closed: Promise<void> | undefined;
  #halted: KieApiError | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: TaskWatcherOptions) {
    super();
    this.#opts = resolveOptions(options);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? pino({ level: 'silent' });
    this.#policy = resolvePolicy(this.#opts.policy);
    // Every request in flight listens on this one signal; the in-flight cap bounds them, not a leak.
    setMaxListeners(this.#opts.maxInFlight + 8, this.#abort.signal);
    const rate = paramsForWindow(this.#opts.maxRequestsPerSecondPerTask, 1000, this.#opts.rateJitterMarginMs);
    this.#minIntervalMs = rate.intervalMs;
    this.#limiter = options.rateLimiter ?? new MemoryTaskRateLimiter(rate);
    this.#store = options.store;
    this.#account = new AccountBudget(this.#opts.accountRequestsPerSecond);
    this.#client = new RecordInfoClient({
      baseUrl: this.#opts.baseUrl,
      apiKey: this.#opts.apiKey,
      dispatcher: options.dispatcher,
      connections: this.#opts.connections,
      requestTimeoutMs: this.#opts.requestTimeoutMs,
      maxResponseBytes: this.#opts.maxResponseBytes,
      userAgent: this.#opts.userAgent || USER_AGENT,
    });
  }

  /** Spacing the per-task limiter enforces between two requests for one task, in ms. */
  get minIntervalMs(): number {
    return this.#minIntervalMs;
  }

  /**
   * Starts watching without awaiting; the outcome arrives as a `completed`, `failed` or `timeout` event.
   * Idempotent: a task already watched keeps its deadline. A task settled within `resultCacheTtlMs` (or a
   * watcher halted by 401/402) emits its outcome again, asynchronously, without a request.
   */
  watch(taskId: string, options: WatchOptions = {}): void {
    checkTaskId(taskId);
    checkObject('options', options);
    const timeoutMs = this.#timeoutOf(options.timeoutMs);
    this.#assertOpen();
    const known = this.#halted ? ({ ok: false, error: this.#halted } as const) : this.#cached(taskId);
    if (known) {
      // Someone who watches through events must still hear the outcome; tell them after this call returns.
      queueMicrotask(() => {
        if (this.#closed) return;
        if (known.ok) this.emit('completed', { taskId, result: known.result });
        else this.emit('failed', { taskId, error: known.error });
      });
      return;
    }
    const task = this.#task(taskId);
    if (task.watchInterest) return;
    task.watchInterest = this.#addInterest(task, 'watch', timeoutMs, undefined, () => undefined);
  }

  /**
   * Resolves with the result once the task succeeds. Rejects with `TaskFailedError`, `WatchTimeoutError`,
   * `AbortError`, `KieApiError`, `InvalidResponseError`, `TransportError` or `WatcherClosedError`.
   */
  waitForCompletion(taskId: string, options: WaitOptions = {}): Promise<WatchResult> {
    try {
      checkTaskId(taskId);
      checkObject('options', options);
      const timeoutMs = this.#timeoutOf(options.timeoutMs);
      if (options.onProgress !== undefined) checkFunction('onProgress', options.onProgress);
      checkSignal(options.signal);
      this.#assertOpen();
      if (this.#halted) return Promise.reject(this.#halted);
      const cached = this.#cached(taskId);
      if (cached) return cached.ok ? Promise.resolve(cached.result) : Promise.reject(cached.error);
      if (options.signal?.aborted) return Promise.reject(new AbortError(taskId, options.signal.reason));
      return new Promise<WatchResult>((resolve, reject) => {
        const task = this.#task(taskId);
        const interest = this.#addInterest(task, 'wait', timeoutMs, options.onProgress, (s) => (s.ok ? resolve(s.result) : reject(s.error)));
        this.#attachSignal(interest, options.signal);
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The task's progress updates as an async iterator: `progress` items, then one `completed` item. A task
   * failure, timeout or abort is thrown from the iterator. Breaking out of the loop stops the interest.
   */
  updates(taskId: string, options: Omit<WaitOptions, 'onProgress'> = {}): AsyncIterableIterator<TaskUpdate> {
    checkTaskId(taskId);
    checkObject('options', options);
    const timeoutMs = this.#timeoutOf(options.timeoutMs);
    checkSignal(options.signal);
    this.#assertOpen();
    const stream = new UpdateStream();
    if (this.#halted) {
      stream.fail(this.#halted);
      return stream;
    }
    const cached = this.#cached(taskId);
    if (cached) {
      if (cached.ok) stream.end({ type: 'completed', taskId, result: cached.result });
      else stream.fail(cached.error);
      return stream;
    }
    if (options.signal?.aborted) {
      stream.fail(new AbortError(taskId, options.signal.reason));
      return stream;
    }
    const task = this.#task(taskId);
    const interest = this.#addInterest(
      task,
      'updates',
      timeoutMs,
      (e) => stream.push({ type: 'progress', taskId, progress: e.progress, status: e.status }),
      (s) => (s.ok ? stream.end({ type: 'completed', taskId, result: s.result }) : stream.fail(s.error)),
    );
    this.#attachSignal(interest, options.signal);
    stream.onReturn = () => this.#removeInterest(interest, 'aborted');
    return stream;
  }

  /** Watches every task a persistent store lists (after a restart). Returns how many were resumed. */
  resume(store: PendingTaskStore | undefined = this.#store): number {
    if (!store) throw new TypeError('kie-watcher: resume() needs a store (pass one here or as the `store` option)');
    let n = 0;
    for (const { taskId } of store.list()) {
      this.watch(taskId);
      n += 1;
    }
    return n;
  }

  /** Resolves when no task is pending (at once if none is). */
  onIdle(): Promise<void> {
    if (this.#tasks.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Is the task being watched now? */
  isWatching(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  stats(): WatcherStats {
    return { pending: this.#tasks.size, inFlight: this.#inFlight, cached: this.#cache.size, ...this.#counters };
  }

  /**
   * Stops every timer, aborts requests in flight, closes sockets, and rejects outstanding waits with
   * `WatcherClosedError`. Safe to call more than once; every call resolves when everything is released.
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#clearTimer();
    this.#abort.abort(new WatcherClosedError());
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    this.#polls.clear();
    this.#deadlines.clear();
    for (const task of tasks) {
      task.dropped = true;
      for (const interest of [...task.interests]) {
        interest.detach?.();
        interest.settle({ ok: false, error: new WatcherClosedError(task.taskId) });
      }
      task.interests.clear();
    }
    this.#cache.clear();
    this.#flushIdle();
    // Destroying the pool aborts its requests in flight; then wait for their handlers to finish.
    const released = this.#client.release(true);
    this.#closed = Promise.allSettled([released, ...this.#inFlightRequests]).then(() => undefined);
    return this.#closed;
  }

  // --- task bookkeeping -------------------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closed) throw new WatcherClosedError();
  }

  #timeoutOf(value: number | undefined): number {
    return value === undefined ? this.#opts.timeoutMs : checkNumber('timeoutMs', value, 0, MAX_TIMEOUT_MS);
  }

  #cached(taskId: string): Settlement | undefined {
    const hit = this.#cache.get(taskId);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.#clock.now()) {
      this.#cache.delete(taskId);
      return undefined;
    }
    return hit.settlement;
  }

  #task(taskId: string): TaskEntry {
    let task = this.#tasks.get(taskId);
    if (task) return task;
    const now = this.#clock.now();
    task = {
      taskId,
      watchedAt: now,
      interests: new Set(),
      watchInterest: null,
      inFlight: false,
      dropped: false,
      polls: 0,
      errors: 0,
      invalid: 0,
      rateStreak: 0,
      status: null,
      progress: null,
      firstProgressAt: 0,
      firstProgress: 0,
      lastProgressAt: 0,
      lastAnswerAt: -1,
      createTime: null,
      unknownStatusLogged: false,
      log: undefined,
      heapKey: 0,
      heapSeq: 0,
      heapIndex: -1,
    };
    this.#tasks.set(taskId, task);
    this.#store?.add({ taskId, watchedAt: this.#clock.epochNow() });
    // The first poll goes out at once: the task may already be done.
    this.#schedulePoll(task, now);
    return task;
  }

  #addInterest(task: TaskEntry, kind: Interest['kind'], timeoutMs: number, onProgress: Interest['onProgress'], settle: Interest['settle']): Interest {
    const interest: Interest = { task, kind, timeoutMs, onProgress, settle, detach: undefined, heapKey: 0, heapSeq: 0, heapIndex: -1 };
    task.interests.add(interest);
    this.#deadlines.set(interest, this.#clock.now() + timeoutMs);
    this.#wake();
    return interest;
  }

  #attachSignal(interest: Interest, signal: AbortSignal | undefined): void {
    if (!signal) return;
    const onAbort = (): void => {
      if (!interest.task.interests.has(interest)) return;
      this.#removeInterest(interest, 'aborted');
      interest.settle({ ok: false, error: new AbortError(interest.task.taskId, signal.reason) });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    interest.detach = () => signal.removeEventListener('abort', onAbort);
  }

  /** Drops one interest; the task stops being polled when its last interest goes. */
  #removeInterest(interest: Interest, why: 'aborted' | 'timeout'): void {
    const task = interest.task;
    if (!task.interests.delete(interest)) return;
    interest.detach?.();
    this.#deadlines.delete(interest);
    if (task.watchInterest === interest) task.watchInterest = null;
    if (task.interests.size > 0) return;
    if (why === 'aborted') this.#counters.aborted += 1;
    else this.#counters.timedOut += 1;
    this.#dropTask(task);
  }

  #dropTask(task: TaskEntry): void {
    if (task.dropped) return;
    task.dropped = true;
    this.#polls.delete(task);
    this.#tasks.delete(task.taskId);
    this.#store?.delete(task.taskId);
    this.#limiter.forget(task.taskId, this.#clock.now());
    if (this.#tasks.size === 0) this.#becameIdle();
  }

  #becameIdle(): void {
    this.#clearTimer();
    this.emit('idle');
    this.#flushIdle();
    this.#releaseIfIdle();
  }

  /** No socket lingers after the work is done (once the last request is back); a new watch opens a fresh pool. */
  #releaseIfIdle(): void {
    if (this.#tasks.size === 0 && this.#inFlight === 0) void this.#client.release(false);
  }

  #flushIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #settle(task: TaskEntry, settlement: Settlement, cache: boolean): void {
    if (cache) this.#remember(task.taskId, settlement);
    const interests = [...task.interests];
    task.interests.clear();
    task.watchInterest = null;
    for (const interest of interests) {
      this.#deadlines.delete(interest);
      interest.detach?.();
    }
    this.#dropTask(task);
    if (settlement.ok) {
      this.#counters.completed += 1;
      this.emit('completed', { taskId: task.taskId, result: settlement.result });
    } else {
      this.#counters.failed += 1;
      this.emit('failed', { taskId: task.taskId, error: settlement.error });
    }
    for (const interest of interests) safeCall(() => interest.settle(settlement), this.#log);
  }

  // --- the scheduler ----------------------------------------------------------------------------

  #schedulePoll(task: TaskEntry, at: number): void {
    this.#polls.set(task, at);
    this.#wake();
  }

  /** Re-arms the one timer if the earliest wake-up moved earlier. */
  #wake(): void {
    if (this.#pumping) return;
    const next = this.#nextWakeAt();
    if (next === Infinity) return this.#clearTimer();
    if (next >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = next;
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(next - this.#clock.now()))));
  }

  #nextWakeAt(): number {
    const deadline = this.#deadlines.peek()?.heapKey ?? Infinity;
    // With every slot taken, the next finished request pumps; no timer is needed for polls.
    if (this.#inFlight >= this.#opts.maxInFlight) return deadline;
    const poll = this.#polls.peek()?.heapKey ?? Infinity;
    if (poll === Infinity) return deadline;
    return Math.min(deadline, Math.max(poll, this.#account.allowedAt(poll)));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#pump();
  }

  /** Expires deadlines, then starts due polls, oldest-due first, while slots and budget allow. */
  #pump(): void {
    if (this.#closed || this.#pumping) return;
    this.#pumping = true;
    try {
      const now = this.#clock.now();
      for (let top = this.#deadlines.peek(); top !== undefined && top.heapKey <= now; top = this.#deadlines.peek()) {
        this.#expire(top);
      }
      while (this.#inFlight < this.#opts.maxInFlight) {
        const task = this.#polls.peek();
        if (task === undefined || task.heapKey > now) break;
        if (this.#account.allowedAt(now) > now) break;
        const slot = this.#limiter.take(task.taskId, now);
        if (!slot.allowed) {
          this.#polls.set(task, slot.retryAt);
          continue;
        }
        this.#account.take(now);
        this.#polls.delete(task);
        this.#startPoll(task);
      }
    } finally {
      this.#pumping = false;
    }
    this.#wake();
  }

  #expire(interest: Interest): void {
    const task = interest.task;
    const error = new WatchTimeoutError(task.taskId, interest.timeoutMs, task.status, task.progress);
    const last = task.interests.size === 1;
    this.#removeInterest(interest, 'timeout');
    if (last) this.emit('timeout', { taskId: task.taskId, error });
    safeCall(() => interest.settle({ ok: false, error }), this.#log);
  }

  #startPoll(task: TaskEntry): void {
    task.inFlight = true;
    this.#inFlight += 1;
    this.#counters.requests += 1;
    const p = this.#poll(task).finally(() => {
      this.#inFlightRequests.delete(p);
    });
    this.#inFlightRequests.add(p);
  }

  async #poll(task: TaskEntry): Promise<void> {
    let outcome: PollOutcome | { kind: 'transport'; error: unknown };
    try {
      const raw = await this.#client.get(task.taskId, this.#abort.signal);
      outcome = classifyResponse(raw, task.taskId, this.#opts.retry.maxDelayMs, this.#clock.epochNow());
    } catch (error) {
      outcome =
        error instanceof ResponseTooLargeError
          ? { kind: 'invalid', reason: error.message, issues: [], httpStatus: 200 }
          : { kind: 'transport', error };
    }
    task.inFlight = false;
    this.#inFlight -= 1;
    if (this.#closed) return;
    try {
      if (task.dropped) {
        // Nobody waits any more, but a final answer is still worth keeping for a late waiter.
        if (outcome.kind === 'success') this.#remember(task.taskId, { ok: true, result: toResult(outcome.record) });
      } else {
        this.#handle(task, outcome);
      }
    } catch (err) {
      this.#log.error({ err }, 'kie-watcher: internal error while handling an answer');
    }
    this.#releaseIfIdle();
    this.#pump();
  }

  /** Keeps a final outcome for late waiters, within the cache's size and age bounds. */
  #remember(taskId: string, settlement: Settlement): void {
    if (this.#opts.resultCacheSize === 0 || this.#opts.resultCacheTtlMs === 0) return;
    // Map iteration order is insertion order, so the first key is the oldest: a cheap bound by age.
    this.#cache.delete(taskId);
    this.#cache.set(taskId, { settlement, expiresAt: this.#clock.now() + this.#opts.resultCacheTtlMs });
    if (this.#cache.size > this.#opts.resultCacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
  }

  // --- answers ----------------------------------------------------------------------------------

  #handle(task: TaskEntry, outcome: PollOutcome | { kind: 'transport'; error: unknown }): void {
    const now = this.#clock.now();
    switch (outcome.kind) {
      case 'success': {
        this.#account.onAnswer();
        this.#counters.polls += 1;
        this.#observe(task, outcome.record, now);
        this.#debug(task, { status: 'SUCCESS' }, 'task completed');
        this.#settle(task, { ok: true, result: toResult(outcome.record) }, true);
        return;
      }
      case 'failure': {
        this.#account.onAnswer();
        this.#counters.polls += 1;
        this.#observe(task, outcome.record, now);
        this.#debug(task, { status: outcome.status, errorCode: outcome.record.errorCode }, 'task failed');
        this.#settle(task, { ok: false, error: new TaskFailedError(outcome.record, outcome.status) }, true);
        return;
      }
      case 'pending': {
        this.#account.onAnswer();
        this.#counters.polls += 1;
        task.errors = 0;
        task.invalid = 0;
        task.rateStreak = 0;
        if (outcome.unknownStatus && !task.unknownStatusLogged) {
          task.unknownStatusLogged = true;
          this.#taskLog(task).warn({ status: outcome.record.status }, 'undocumented status, treated as not final');
        }
        this.#observe(task, outcome.record, now);
        if (task.dropped) return; // an onProgress callback may have aborted the last waiter
        this.#schedulePoll(task, now + this.#nextDelay(task, now));
        return;
      }
      case 'unknown-task': {
        this.#account.onAnswer();
        if (now - task.watchedAt >= this.#opts.unknownTaskGraceMs) {
          const error = new KieApiError({
            taskId: task.taskId,
            providerCode: outcome.providerCode,
            providerMessage: outcome.providerMessage,
            httpStatus: 200,
            message: `task ${task.taskId} is still unknown to the API ${this.#opts.unknownTaskGraceMs} ms after watching started (${outcome.providerCode}: ${outcome.providerMessage})`,
          });
          this.#settle(task, { ok: false, error }, false);
          return;
        }
        const left = task.watchedAt + this.#opts.unknownTaskGraceMs - now;
        task.errors += 1;
        this.#retry(task, now, Math.min(left, this.#backoff(task.errors)), `task not visible yet (${outcome.providerCode})`);
        return;
      }
      case 'rate-limited': {
        this.#counters.rateLimited += 1;
        task.rateStreak += 1;
        const delay = Math.max(outcome.retryAfterMs ?? this.#backoff(task.rateStreak), this.#minIntervalMs);
        this.emit('rateLimited', { taskId: task.taskId, scope: 'task', delayMs: delay, source: outcome.scope });
        const pause = this.#account.on429(now, task.taskId, outcome.scope, outcome.retryAfterMs, (n) => this.#backoff(n));
        if (pause !== null) this.emit('rateLimited', { taskId: task.taskId, scope: 'account', delayMs: pause, source: outcome.scope });
        this.#debug(task, { delayMs: delay, source: outcome.scope, accountPauseMs: pause }, 'rate limited');
        this.#schedulePoll(task, now + delay);
        return;
      }
      case 'transient':
      case 'transport': {
        task.errors += 1;
        const reason = outcome.kind === 'transient' ? outcome.reason : describeError(outcome.error);
        if (task.errors >= this.#opts.retry.maxConsecutiveErrors) {
          const cause = outcome.kind === 'transport' ? outcome.error : new Error(reason);
          this.#settle(task, { ok: false, error: new TransportError(task.taskId, task.errors, cause) }, false);
          return;
        }
        this.#retry(task, now, this.#backoff(task.errors), reason);
        return;
      }
      case 'invalid': {
        task.invalid += 1;
        if (task.invalid >= this.#opts.retry.maxInvalidResponses) {
          const error = new InvalidResponseError(task.taskId, outcome.reason, outcome.issues, outcome.httpStatus);
          this.#settle(task, { ok: false, error }, false);
          return;
        }
        this.#retry(task, now, this.#backoff(task.invalid), `invalid response: ${outcome.reason}`);
        return;
      }
      case 'fatal': {
        const error = new KieApiError({
          taskId: task.taskId,
          providerCode: outcome.providerCode,
          providerMessage: outcome.providerMessage,
          httpStatus: outcome.httpStatus,
        });
        if (isAccountFatal(outcome)) return this.#halt(error);
        this.#settle(task, { ok: false, error }, false);
        return;
      }
    }
  }

  #retry(task: TaskEntry, now: number, delayMs: number, reason: string): void {
    this.#counters.retries += 1;
    const attempt = task.errors + task.invalid;
    this.emit('retry', { taskId: task.taskId, attempt: Math.max(1, attempt), delayMs, reason });
    this.#debug(task, { attempt, delayMs, reason }, 'retrying');
    this.#schedulePoll(task, now + delayMs);
  }

  /** 401/402: the key or the account is unusable, so every task stops with the same error. */
  #halt(error: KieApiError): void {
    this.#halted = error;
    this.#log.error({ providerCode: error.providerCode, httpStatus: error.httpStatus }, 'kie-watcher: API refused the key or account; all watching stopped');
    for (const task of [...this.#tasks.values()]) {
      const own = new KieApiError({ taskId: task.taskId, providerCode: error.providerCode, providerMessage: error.providerMessage, httpStatus: error.httpStatus, cause: error });
      this.#settle(task, { ok: false, error: own }, false);
    }
  }

  /** Capped exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  #backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.#opts.retry;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(30, attempt - 1));
    return Math.max(this.#minIntervalMs, ceiling / 2 + this.#random() * (ceiling / 2));
  }

  #nextDelay(task: TaskEntry, now: number): number {
    const epoch = this.#clock.epochNow();
    const taskAgeMs = task.createTime !== null && task.createTime <= epoch ? epoch - task.createTime : null;
    const progressed = task.progress !== null && task.lastProgressAt > task.firstProgressAt;
    // Progress is measured from creation when the provider's createTime is plausible (0 progress then), which
    // gives an estimate from the first non-zero sample; otherwise from the first sample this watcher saw.
    const createdAt = taskAgeMs !== null && taskAgeMs < PLAUSIBLE_AGE_MS ? now - taskAgeMs : null;
    let etaMs: number | null = null;
    if (task.progress !== null && task.progress > 0) {
      etaMs =
        createdAt !== null && createdAt < task.lastProgressAt
          ? estimateEta(createdAt, 0, task.lastProgressAt, task.progress, now)
          : progressed
            ? estimateEta(task.firstProgressAt, task.firstProgress, task.lastProgressAt, task.progress, now)
            : null;
    }
    let delay: number;
    try {
      delay = this.#policy({
        taskId: task.taskId,
        watchedForMs: now - task.watchedAt,
        taskAgeMs,
        polls: task.polls,
        progress: task.progress,
        status: task.status,
        msSinceProgressChange: progressed ? now - task.lastProgressAt : null,
        etaMs,
        minIntervalMs: this.#minIntervalMs,
      });
    } catch (err) {
      this.#taskLog(task).warn({ err }, 'polling policy threw; using the minimum interval');
      delay = this.#minIntervalMs;
    }
    if (!Number.isFinite(delay)) delay = this.#minIntervalMs;
    return Math.min(MAX_TIMER_MS, Math.max(this.#minIntervalMs, delay));
  }

  /** Folds a record into the task's view; emits `progress` when progress rises or the status changes. */
  #observe(task: TaskEntry, record: TaskRecord, now: number): void {
    task.polls += 1;
    if (record.createTime !== null) task.createTime = record.createTime;
    const final = record.status === 'SUCCESS' || record.successFlag === 1;
    const p = final ? 1 : record.progress;
    let rose = false;
    if (p !== null && (task.progress === null || p > task.progress)) {
      if (task.progress === null) {
        task.firstProgress = p;
        task.firstProgressAt = now;
      }
      task.progress = p;
      // The rise happened somewhere since the previous answer; the midpoint halves the lag that sparse
      // polling would otherwise add to the rate estimate.
      task.lastProgressAt = task.lastAnswerAt < 0 ? now : (task.lastAnswerAt + now) / 2;
      rose = true;
    }
    task.lastAnswerAt = now;
    const status = record.status ?? task.status ?? 'GENERATING';
    const statusChanged = status !== task.status;
    task.status = status;
    if (!rose && !statusChanged) return;
    const event: ProgressEvent = { taskId: task.taskId, progress: task.progress ?? 0, status, record };
    this.emit('progress', event);
    for (const interest of [...task.interests]) {
      if (interest.onProgress) safeCall(() => interest.onProgress?.(event), this.#log);
    }
  }

  #taskLog(task: TaskEntry): Logger {
    // A child per task, made only when something is logged for it: 100k silent tasks cost nothing.
    task.log ??= this.#log.child({ taskId: task.taskId });
    return task.log;
  }

  #debug(task: TaskEntry, obj: object, msg: string): void {
    if (this.#log.isLevelEnabled('debug')) this.#taskLog(task).debug(obj, msg);
  }
}

function toResult(record: TaskRecord): WatchResult {
  return {
    taskId: record.taskId,
    status: 'SUCCESS',
    resultUrls: record.resultUrls,
    progress: 1,
    createTime: record.createTime,
    completeTime: record.completeTime,
    params: parseParams(record.paramJson),
    record,
  };
}

/** A user callback that throws must not break the scheduler for every other task. */
function safeCall(fn: () => void, log: Logger): void {
  try {
    fn();
  } catch (err) {
    log.error({ err }, 'kie-watcher: a callback threw');
  }
}

function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'network error';
}
