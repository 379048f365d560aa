import type { Clock } from '../clock.js';
import { taskSettledChannel, type TaskSettledMessage } from '../diagnostics.js';
import { AbortError, KieApiError, WatchTimeoutError, WatcherClosedError } from '../errors.js';
import type { ProgressEvent } from '../events.js';
import type { TaskFamily } from '../families/family.js';
import { IndexedMinHeap } from '../heap.js';
import type { PendingTaskInfo, PendingTaskStore } from '../stores/pending-store.js';
import type { Admission } from '../limits/admission.js';
import type { EffectContext, Notifier } from './notifier.js';
import { taskKey } from '../validate.js';
import type { ResultCache } from './result-cache.js';
import type { FleetObserver } from './fleet-observer.js';
import type { PollDriver } from './scheduler.js';
import type { Stats } from './stats.js';
import { hasFlag, newTaskEntry, setFlag, TaskFlag, type Interest, type Settlement, type TaskEntry } from './task.js';

interface RegistryDeps {
  readonly clock: Clock;
  readonly scheduler: PollDriver;
  /** Told of every settlement, in fleet mode only. */
  readonly fleet: FleetObserver | undefined;
  readonly admission: Admission;
  readonly notifier: Notifier;
  readonly cache: ResultCache;
  readonly store: PendingTaskStore | undefined;
  /**
   * How long past its deadline an interest waits for the one last poll sent at the deadline: the per-task
   * spacing that poll may have to wait for, plus a bounded wait for its answer. 0: no last poll.
   */
  readonly lastPollGraceMs: number;
  /** The part of that grace left for the answer once the last poll is sent: it must go before the rest runs out. */
  readonly lastPollAnswerMs: number;
  /** The last interest left a task before its end was seen (a deadline, an abort): the policy learns it ran at least this long. */
  readonly stopped?: ((task: TaskEntry) => void) | undefined;
  readonly stats: Stats;
}

/**
 * Tasks keyed by (family, taskId), the interests in each (waiters, `updates()` streams, `watch()`), their
 * deadlines and abort signals, the fan-out when a task settles, and idleness. A task with no interest left but
 * a request in flight stays here ("draining") until the answer is back, so that a task watched again adopts
 * that request instead of sending a second one.
 */
export class Registry {
  readonly #deps: RegistryDeps;
  readonly #byFamily = new Map<string, Map<string, TaskEntry>>();
  readonly #deadlines = new IndexedMinHeap<Interest>();
  /** Tasks with at least one interest: what `pending` and idleness count. */
  #attached = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(deps: RegistryDeps) {
    this.#deps = deps;
  }

  get pending(): number {
    return this.#attached;
  }

  get(family: string, taskId: string): TaskEntry | undefined {
    return this.#byFamily.get(family)?.get(taskId);
  }

  /** Every task with an interest (a copy: settling one changes the registry). */
  attachedTasks(): TaskEntry[] {
    const out: TaskEntry[] = [];
    for (const tasks of this.#byFamily.values()) for (const t of tasks.values()) if (t.interests.size > 0) out.push(t);
    return out;
  }

  /** The task, created (its first poll due at once: it may already be done) or adopted if it is draining. */
  ensure(family: TaskFamily, taskId: string): TaskEntry {
    let tasks = this.#byFamily.get(family.id);
    if (tasks === undefined) {
      tasks = new Map();
      this.#byFamily.set(family.id, tasks);
    }
    const existing = tasks.get(taskId);
    if (existing !== undefined) return existing;
    const now = this.#deps.clock.now();
    const task = newTaskEntry(family, taskId, now);
    tasks.set(taskId, task);
    this.#storeCall(task, (s) => s.add({ taskId, family: family.id, watchedAt: Math.round(this.#deps.clock.epochNow()) }));
    this.#deps.scheduler.schedule(task, now);
    return task;
  }

  addInterest(task: TaskEntry, kind: Interest['kind'], timeoutMs: number, onProgress: Interest['onProgress'], settle: Interest['settle']): Interest {
    const interest: Interest = { task, kind, timeoutMs, onProgress, settle, detach: undefined, lastPoll: false, heapKey: 0, heapSeq: 0, heapIndex: -1 };
    if (task.interests.size === 0) this.#attached += 1;
    task.interests.add(interest);
    this.#deadlines.set(interest, this.#deps.clock.now() + timeoutMs);
    this.#deps.scheduler.deadlinesChanged();
    return interest;
  }

  /** Aborting rejects this interest only; its listener is removed as soon as the interest ends. */
  attachSignal(interest: Interest, signal: AbortSignal | undefined): void {
    if (!signal) return;
    const onAbort = (): void => {
      const task = interest.task;
      if (!task.interests.has(interest)) return;
      // Counted per task, like completed / failed: when its last interest goes.
      if (task.interests.size === 1) {
        this.#deps.stats.count('aborted');
        publishSettled(task, 'aborted', 'KIE_ABORTED');
      }
      this.#removeInterest(interest);
      const error = new AbortError(task.taskId, signal.reason, task.family.id);
      this.#deps.notifier.run(() => interest.settle({ ok: false, error }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    interest.detach = () => signal.removeEventListener('abort', onAbort);
  }

  /** Has a `watch()` interest (there is at most one per task). */
  watched(task: TaskEntry): boolean {
    for (const i of task.interests) if (i.kind === 'watch') return true;
    return false;
  }

  /** An `updates()` consumer stopped early: the interest ends without a settlement. */
  cancel(interest: Interest): void {
    const task = interest.task;
    if (!task.interests.has(interest)) return;
    if (task.interests.size === 1) {
      this.#deps.stats.count('aborted');
      publishSettled(task, 'aborted', 'KIE_ABORTED');
    }
    this.#removeInterest(interest);
  }

  nextDeadlineAt(): number {
    return this.#deadlines.peek()?.heapKey ?? Infinity;
  }

  /**
   * Handles every deadline at or before `now`. A deadline that comes before the task's next poll does not time
   * out at once: the task is polled at the deadline (within its rate limit) and the
   * interest times out only if that answer is not final (see {@link lastPollAnswered}), or when the grace ends.
   */
  expire(now: number): void {
    for (let top = this.#deadlines.peek(); top !== undefined && top.heapKey <= now; top = this.#deadlines.peek()) {
      // A request in flight went out before the deadline: nothing new to send, so the deadline holds.
      if (!top.lastPoll && !top.task.inFlight && this.#deps.lastPollGraceMs > 0) {
        top.lastPoll = true;
        setFlag(top.task, TaskFlag.LAST_POLL);
        this.#deadlines.set(top, now + this.#deps.lastPollGraceMs);
        this.#deps.scheduler.hurry(top.task);
        continue;
      }
      this.#timeout(top);
    }
  }

  /** An answer came for the task (and did not settle it): interests that waited for this last poll time out. */
  lastPollAnswered(task: TaskEntry): void {
    if (!hasFlag(task, TaskFlag.LAST_POLL)) return;
    setFlag(task, TaskFlag.LAST_POLL, false);
    for (const interest of [...task.interests]) if (interest.lastPoll) this.#timeout(interest);
  }

  /**
   * Admission refused the task's next poll until `at`: interests waiting for a last poll that must go before
   * then time out now, instead of waiting out the grace for a poll that cannot be sent in it.
   */
  lastPollRefused(task: TaskEntry, at: number): void {
    if (!hasFlag(task, TaskFlag.LAST_POLL)) return;
    const answerMs = this.#deps.lastPollAnswerMs;
    for (const interest of [...task.interests]) if (interest.lastPoll && at > interest.heapKey - answerMs) this.#timeout(interest);
  }

  #timeout(interest: Interest): void {
    const task = interest.task;
    const error = new WatchTimeoutError(task.taskId, interest.timeoutMs, {
      family: task.family.id,
      lastStatus: task.status,
      lastProgress: task.progress,
      lastRetryReason: task.lastReason,
    });
    const last = task.interests.size === 1;
    if (last) {
      this.#deps.stats.count('timedOut');
      publishSettled(task, 'timeout', error.code);
    }
    this.#removeInterest(interest);
    if (last) this.#deps.notifier.emit('timeout', { taskId: task.taskId, family: task.family.id, error }, ctxOf(task));
    this.#deps.notifier.run(() => interest.settle({ ok: false, error }));
  }

  /** Progress for the task's own `onProgress` callbacks and streams (the event itself is the engine's). */
  notifyProgress(task: TaskEntry, event: ProgressEvent): void {
    for (const interest of task.interests) {
      if (interest.onProgress) this.#deps.notifier.call('onProgress', interest.onProgress, event, ctxOf(task));
    }
  }

  /**
   * The task reached a final outcome: every interest settles with it (after the `completed` / `failed` event),
   * and a success is kept for late waiters. State changes happen here and now; user code runs later.
   */
  settle(task: TaskEntry, settlement: Settlement, cache: boolean): void {
    if (cache) this.#deps.cache.set(taskKey(task.family.id, task.taskId), settlement, this.#deps.clock.now());
    this.#deps.fleet?.settled(task, settlement, cache);
    const interests = [...task.interests];
    for (const interest of interests) this.#removeInterest(interest, false);
    if (!task.inFlight) this.#drop(task);
    // A task polled only for other processes of a fleet has nobody here to tell.
    if (interests.length === 0) return;
    const ctx = ctxOf(task);
    publishSettled(task, settlement.ok ? 'completed' : 'failed', settlement.ok ? null : settlement.error.code);
    if (settlement.ok) {
      this.#deps.stats.count('completed');
      this.#deps.notifier.emit('completed', { taskId: task.taskId, family: task.family.id, result: settlement.result }, ctx);
    } else {
      this.#deps.stats.count('failed');
      this.#deps.notifier.emit('failed', { taskId: task.taskId, family: task.family.id, error: settlement.error }, ctx);
    }
    for (const interest of interests) this.#deps.notifier.run(() => interest.settle(settlement));
    if (interests.length > 0) this.#afterDetach();
  }

  /** 401/402: every task stops, each with an error naming its own task. */
  halt(error: KieApiError): void {
    for (const task of this.attachedTasks()) this.settle(task, { ok: false, error: haltErrorFor(error, task.family.id, task.taskId) }, false);
  }

  /** A final outcome for a task nobody waits on any more: kept for a late waiter, no one notified. */
  cacheOnly(task: TaskEntry, settlement: Settlement): void {
    this.cacheKey(task.family.id, task.taskId, settlement);
  }

  cacheKey(family: string, taskId: string, settlement: Settlement): void {
    this.#deps.cache.set(taskKey(family, taskId), settlement, this.#deps.clock.now());
  }

  /** Every task with an interest and the longest deadline left among its interests (ms from now). */
  *withDeadlines(): Iterable<{ readonly task: TaskEntry; readonly timeoutMs: number }> {
    const now = this.#deps.clock.now();
    for (const task of this.attachedTasks()) {
      let at = now;
      for (const i of task.interests) at = Math.max(at, i.heapKey);
      yield { task, timeoutMs: at - now };
    }
  }

  /** The request of a task that nobody watches any more came back: forget it now. */
  release(task: TaskEntry): void {
    if (task.interests.size === 0 && !task.inFlight) this.#drop(task);
  }

  onIdle(): Promise<void> {
    if (this.#attached === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Every interest ends with `WatcherClosedError`; returns what was pending, for the caller to persist. */
  closeAll(): PendingTaskInfo[] {
    const pending: PendingTaskInfo[] = [];
    const epoch = this.#deps.clock.epochNow();
    const now = this.#deps.clock.now();
    for (const task of this.attachedTasks()) {
      pending.push({ taskId: task.taskId, family: task.family.id, watchedAt: Math.round(epoch - (now - task.watchedAt)) });
      publishSettled(task, 'closed', 'KIE_WATCHER_CLOSED');
      const interests = [...task.interests];
      for (const interest of interests) this.#removeInterest(interest, false);
      const error = new WatcherClosedError(task.taskId, task.family.id);
      for (const interest of interests) this.#deps.notifier.run(() => interest.settle({ ok: false, error }));
    }
    this.#byFamily.clear();
    this.#deadlines.clear();
    this.#attached = 0;
    this.#deps.cache.clear();
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
    return pending;
  }

  #removeInterest(interest: Interest, detachTask = true): void {
    const task = interest.task;
    if (!task.interests.delete(interest)) return;
    this.#deadlines.delete(interest);
    interest.detach?.();
    interest.detach = undefined;
    if (task.interests.size > 0) return;
    this.#attached -= 1;
    this.#deps.scheduler.unschedule(task);
    if (detachTask) {
      this.#deps.stopped?.(task);
      if (!task.inFlight) this.#drop(task);
      this.#afterDetach();
    }
  }

  #afterDetach(): void {
    if (this.#attached !== 0) return;
    this.#deps.notifier.run(() => {
      // Still idle once the events before this one ran (a listener may have watched something new).
      if (this.#attached !== 0) return;
      this.#deps.notifier.emit('idle', undefined);
      this.#deps.notifier.run(() => {
        if (this.#attached !== 0) return;
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      });
    });
  }

  #drop(task: TaskEntry): void {
    if (hasFlag(task, TaskFlag.DROPPED)) return;
    setFlag(task, TaskFlag.DROPPED);
    this.#deps.scheduler.unschedule(task);
    const tasks = this.#byFamily.get(task.family.id);
    if (tasks?.get(task.taskId) === task) tasks.delete(task.taskId);
    this.#storeCall(task, (s) => s.delete(task.taskId));
    this.#deps.admission.forget(task, this.#deps.clock.epochNow());
  }

  #storeCall(task: TaskEntry, fn: (store: PendingTaskStore) => void): void {
    const store = this.#deps.store;
    if (!store) return;
    try {
      fn(store);
    } catch (err) {
      this.#deps.notifier.report('store', err, ctxOf(task));
    }
  }
}

function publishSettled(task: TaskEntry, outcome: TaskSettledMessage['outcome'], errorCode: string | null): void {
  if (taskSettledChannel.hasSubscribers) taskSettledChannel.publish({ family: task.family.id, taskId: task.taskId, outcome, errorCode } satisfies TaskSettledMessage);
}

export function ctxOf(task: TaskEntry): EffectContext {
  return { taskId: task.taskId, family: task.family.id };
}

/** After a halt, each task's error names that task (the first error named only the task that got the 401). */
export function haltErrorFor(error: KieApiError, family: string, taskId: string): KieApiError {
  if (error.taskId === taskId && error.family === family) return error;
  return new KieApiError({
    taskId,
    family,
    providerCode: error.providerCode,
    providerMessage: error.providerMessage,
    httpStatus: error.httpStatus,
    accountWide: error.accountWide,
    cause: error,
  });
}
