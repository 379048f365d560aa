import { EventEmitter } from 'node:events';
import { MAX_TIMER_MS, systemClock } from './clock.js';
import { Engine, type CloseResult, type InterestRequest } from './engine/engine.js';
import type { ProgressEvent, TaskUpdate, TaskWatcherEvents, WatchResult, WatcherStats } from './events.js';
import { DEFAULT_FAMILY, FAMILIES, resolveFamily, type FamilyRef } from './families/index.js';
import type { TaskFamily } from './families/family.js';
import { fleetMode } from './fleet/open.js';
import { toLog } from './logger.js';
import { checkFunction, checkNumber, checkObject, checkSignal, checkTaskId, MAX_TIMEOUT_MS, resolveOptions, type ResolvedOptions, type TaskWatcherOptions } from './options.js';
import type { PendingTaskStore } from './stores.js';

/** Options of {@link TaskWatcher.watch}, and the base of the other per-task options. */
export interface WatchOptions<F extends FamilyRef = 'gpt4o-image'> {
  /** The task's family: a built-in id or a family made with `defineFamily`. @default 'gpt4o-image' */
  readonly family?: F | undefined;
  /** This interest's deadline, in ms from now; it ends with `WatchTimeoutError` (not a task failure). @default the watcher's `timeoutMs` */
  readonly timeoutMs?: number | undefined;
  /**
   * The task was created with a `callBackUrl` that reaches your callback handler (which calls `poke`): the
   * default policy polls it as a safety net (see docs/callbacks.md); a policy function sees `PollState.expectCallback`.
   * @default the watcher's `expectCallbacks`
   */
  readonly expectCallback?: boolean | undefined;
}

/** Options of {@link TaskWatcher.waitForCompletion}. */
export interface WaitOptions<F extends FamilyRef = 'gpt4o-image'> extends WatchOptions<F> {
  /** Aborting rejects this wait with `AbortError`; other waiters of the task are not disturbed. */
  readonly signal?: AbortSignal | undefined;
  /** Called on each progress rise or status change of this task (after the watcher's own bookkeeping). */
  readonly onProgress?: ((event: ProgressEvent<F>) => void) | undefined;
}

/** Options of {@link TaskWatcher.updates}: those of a wait, without `onProgress` (the iterator yields the progress). */
export type UpdatesOptions<F extends FamilyRef = 'gpt4o-image'> = Omit<WaitOptions<F>, 'onProgress'>;

/** Options of {@link TaskWatcher.close}. */
export interface CloseOptions {
  /** Stop taking new work, then let pending tasks finish for up to this long before closing. @default 0 */
  readonly drainMs?: number | undefined;
}

/**
 * Watches KIE tasks until they finish. One instance per process: a single scheduler (one heap, one timer)
 * polls every pending task, of every family, within the per-task rate limit, the in-flight cap and the account
 * budget. Events are typed (`watcher.on('completed', (e) => ...)`); user code that throws in a listener is
 * reported as an `error` event and never stops the watcher.
 */
export class TaskWatcher extends EventEmitter<TaskWatcherEvents> {
  readonly #opts: ResolvedOptions;
  readonly #engine: Engine;
  readonly #store: PendingTaskStore | undefined;
  readonly #families = new Map<string, TaskFamily>(Object.entries(FAMILIES));

  constructor(options: TaskWatcherOptions = {}) {
    super();
    this.#opts = resolveOptions(options);
    for (const family of options.families ?? []) {
      const f = resolveFamily(family);
      if (this.#families.has(f.id) && this.#families.get(f.id) !== f) throw new TypeError(`kie-watcher: option \`families\` names family ${JSON.stringify(f.id)} twice (or shadows a built-in one)`);
      this.#families.set(f.id, f);
    }
    this.#store = options.store;
    this.#engine = new Engine(this, {
      opts: this.#opts,
      clock: options.clock ?? systemClock,
      random: options.random ?? Math.random,
      log: toLog(options.logger),
      rateLimiter: options.rateLimiter,
      store: options.store,
      dispatcher: options.dispatcher,
      fleet: options.coordinator === undefined ? undefined : fleetMode(options.coordinator),
      families: (id) => this.#families.get(id),
    });
  }

  /** Spacing the per-task limiter enforces between two requests for one task, in ms (about 374). */
  get minIntervalMs(): number {
    return this.#opts.minIntervalMs;
  }

  /**
   * Starts watching without awaiting; the outcome arrives as a `completed`, `failed` or `timeout` event.
   * Idempotent: a task already watched keeps its deadline. A task settled within `resultCacheTtlMs` (or a
   * watcher halted by 401/402) emits its outcome again, on a later tick, without a request.
   */
  watch<F extends FamilyRef = 'gpt4o-image'>(taskId: string, options: WatchOptions<F> = {}): void {
    const req = this.#request(taskId, options);
    this.#engine.assertOpen();
    this.#engine.watch(req);
  }

  /**
   * Resolves with the result once the task succeeds. Rejects with a {@link WatchError}: `TaskFailedError`,
   * `WatchTimeoutError`, `AbortError`, `KieApiError`, `InvalidResponseError`, `TransportError` or
   * `WatcherClosedError` (switch on `err.code`).
   */
  waitForCompletion<F extends FamilyRef = 'gpt4o-image'>(taskId: string, options: WaitOptions<F> = {}): Promise<WatchResult<F>> {
    try {
      const req = this.#request(taskId, options);
      if (options.onProgress !== undefined) checkFunction('onProgress', options.onProgress);
      this.#engine.assertOpen();
      return this.#engine.wait<F>(req, options.onProgress as ((e: ProgressEvent) => void) | undefined);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The task's progress updates as an async iterator: `progress` items, then one `completed` item. A task
   * failure, timeout or abort is thrown from the iterator. Breaking out of the loop stops the interest.
   */
  updates<F extends FamilyRef = 'gpt4o-image'>(taskId: string, options: UpdatesOptions<F> = {}): AsyncIterableIterator<TaskUpdate<F>> {
    const req = this.#request(taskId, options);
    this.#engine.assertOpen();
    return this.#engine.updates<F>(req);
  }

  /**
   * Polls the task now, within its per-task rate limit: call it when a callback says the task may be done.
   * Without `family`, every family watching that taskId is poked. Returns whether a watched task was found.
   */
  poke(taskId: string, options: { readonly family?: FamilyRef | string | undefined } = {}): boolean {
    checkTaskId(taskId);
    checkObject('options', options);
    if (this.#engine.closing) return false;
    const families = options.family === undefined ? [...this.#families.values()] : [this.#family(options.family)];
    return this.#engine.poke(taskId, families);
  }

  /**
   * Watches again, with `watch()`, every task still pending after a restart: those a `PendingTaskStore` lists
   * (the `store` option, or one passed here), or, with a `coordinator` and no store, the fleet's pending set.
   * Resolves with how many were resumed; tasks of a family this watcher does not know are skipped.
   */
  async resume(store: PendingTaskStore | undefined = this.#store): Promise<number> {
    const pending = store ? [...store.list()] : await this.#engine.fleetPending();
    if (pending === undefined) throw new TypeError('kie-watcher: resume() needs a store (pass one here or as the `store` option) or a `coordinator`');
    let n = 0;
    for (const { taskId, family } of pending) {
      const f = this.#families.get(family ?? DEFAULT_FAMILY);
      if (f === undefined) continue;
      this.watch(taskId, { family: f });
      n += 1;
    }
    return n;
  }

  /** Resolves when no task is pending (at once if none is), after the last `completed` / `failed` / `timeout`. */
  onIdle(): Promise<void> {
    return this.#engine.onIdle();
  }

  /** Is the task being watched now? */
  isWatching(taskId: string, options: { readonly family?: FamilyRef | string | undefined } = {}): boolean {
    return this.#engine.isWatching(this.#family(options.family ?? DEFAULT_FAMILY), taskId);
  }

  /** Counters since construction, and the current pending / in-flight / cached numbers. */
  stats(): WatcherStats {
    return this.#engine.stats();
  }

  /**
   * Stops taking new work (new waits reject with `WatcherClosedError`). With `drainMs`, pending tasks may
   * finish for up to that long. Then every outstanding wait rejects with `WatcherClosedError`, requests in
   * flight are aborted, and the promise resolves, once no socket or timer of the watcher remains, with the
   * tasks that were still pending (`{ pending: [{ taskId, family, watchedAt }] }`) so a worker can persist
   * them. Safe to call more than once: every call returns the first call's promise.
   */
  close(options: CloseOptions = {}): Promise<CloseResult> {
    try {
      checkObject('options', options);
      const drainMs = options.drainMs === undefined ? 0 : checkNumber('drainMs', options.drainMs, 0, MAX_TIMER_MS);
      return this.#engine.close(drainMs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #family(ref: FamilyRef | string): TaskFamily {
    if (typeof ref === 'string') {
      const f = this.#families.get(ref);
      if (f) return f;
    }
    try {
      return resolveFamily(ref as FamilyRef);
    } catch (err) {
      throw new TypeError(`kie-watcher: option \`family\`: ${(err as Error).message}`);
    }
  }

  #request(taskId: string, options: WatchOptions<FamilyRef> & { readonly signal?: AbortSignal | undefined }): InterestRequest {
    checkTaskId(taskId);
    checkObject('options', options);
    const timeoutMs = options.timeoutMs === undefined ? this.#opts.timeoutMs : checkNumber('timeoutMs', options.timeoutMs, 0, MAX_TIMEOUT_MS);
    checkSignal(options.signal);
    const expectCallback = options.expectCallback ?? this.#opts.expectCallbacks;
    if (typeof expectCallback !== 'boolean') throw new TypeError(`kie-watcher: option \`expectCallback\` must be a boolean, got a value of type ${typeof expectCallback}`);
    return { family: this.#family(options.family ?? DEFAULT_FAMILY), taskId, timeoutMs, signal: options.signal, expectCallback };
  }
}

export type { CloseResult };
