import { EventEmitter } from 'node:events';
import { MAX_TIMER_MS, systemClock } from './clock.js';
import { checkDownloadOptions } from './download/download.js';
import { accountGate, Downloader } from './download/downloader.js';
import type { DownloadableResult, DownloadedFile, DownloadOptions } from './download/types.js';
import { Engine, type CloseResult, type InterestRequest } from './engine/engine.js';
import type { ProgressEvent, TaskUpdate, TaskWatcherEvents, WatchResult, WatcherStats } from './events.js';
import { DEFAULT_FAMILY, FAMILIES, resolveFamily, type FamilyRef } from './families/index.js';
import type { TaskFamily } from './families/family.js';
import { fleetMode } from './fleet/open.js';
import { toLog } from './logger.js';
import { USER_AGENT } from './transport/client.js';
import { keyRedactor } from './transport/redact.js';
import { MAX_TIMEOUT_MS, resolveOptions, type ResolvedOptions, type TaskWatcherOptions } from './options.js';
import { checkFunction, checkNumber, checkObject, checkSignal, checkTaskId } from './validate.js';
import type { PendingTaskStore } from './stores/pending-store.js';
import { CreateService } from './create/service.js';
import { WatcherClosedError } from './errors.js';
import { bodyOf, keyOf } from './create/validate.js';
import { keepsKeys, StoreKeyBook } from './create/store-keys.js';
import type { FamilyIdOf } from './events.js';
import type { InputOf } from './families/index.js';
import { AccountHalt } from './limits/account-halt.js';

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
  /** Also save the result files (as `watcher.download` does, under this wait's `signal`); the result then carries `files`. */
  readonly download?: WaitDownloadOptions | undefined;
}

/** The `download` option of a wait: {@link DownloadOptions} without `signal` (the wait's own applies). */
export type WaitDownloadOptions = Omit<DownloadOptions, 'signal'>;

/** A result with its files saved: what a wait with the `download` option resolves with. */
export type WatchResultWithFiles<F extends FamilyRef = 'gpt4o-image'> = WatchResult<F> & {
  /** The saved files, in `resultUrls` order. */
  readonly files: readonly DownloadedFile[];
};

/** Options of {@link TaskWatcher.updates}: those of a wait, without `onProgress` (the iterator yields the progress). */
export type UpdatesOptions<F extends FamilyRef = 'gpt4o-image'> = Omit<WaitOptions<F>, 'onProgress'>;

/** Options of {@link TaskWatcher.submit}. */
export interface SubmitOptions {
  /**
   * Names this create, so that it is sent at most once: the same key while its first submit is out shares that
   * request; after a known taskId it resolves with that taskId, without a request; after an unknown outcome it
   * rejects again with `SubmitUnknownError`, without a request. 1 to 256 characters.
   * @default a fresh key per call
   */
  readonly key?: string | undefined;
  /** Aborting rejects with `AbortError` while the create waits for the creation limit (nothing is sent); once sent, the answer decides. */
  readonly signal?: AbortSignal | undefined;
  /** Send again a key whose last create had an unknown outcome (after you checked that no task was made). @default false */
  readonly resubmit?: boolean | undefined;
}

/** What {@link TaskWatcher.submit} resolves with. */
export interface SubmitResult<F extends FamilyRef = 'gpt4o-image'> {
  /** The created task; it is being watched already. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: FamilyIdOf<F>;
  /** The submit key: yours, or the one made for the call. */
  readonly key: string;
}

/** Options of {@link TaskWatcher.generate}: those of a submit and of a wait; `timeoutMs` counts from the call, queueing included. */
export interface GenerateOptions<F extends FamilyRef = 'gpt4o-image'> extends SubmitOptions, Omit<WaitOptions<F>, 'family'> {}

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
  readonly #parts: Omit<ConstructorParameters<typeof CreateService>[0], 'created'>;
  #creates: CreateService | undefined;
  readonly #downloader: Downloader;
  /** After a 401/402; a halted fleet member has left the fleet for good (docs/errors.md). */
  readonly #halt: AccountHalt;
  #closing: Promise<CloseResult> | undefined;

  constructor(options: TaskWatcherOptions = {}) {
    super();
    this.#opts = resolveOptions(options);
    for (const family of options.families ?? []) {
      const f = resolveFamily(family);
      if (this.#families.has(f.id) && this.#families.get(f.id) !== f) throw new TypeError(`kie-watcher: option \`families\` names family ${JSON.stringify(f.id)} twice (or shadows a built-in one)`);
      this.#families.set(f.id, f);
    }
    this.#store = options.store;
    this.#parts = { opts: this.#opts, clock: options.clock ?? systemClock, random: options.random ?? Math.random, log: toLog(options.logger), dispatcher: options.dispatcher, keys: keepsKeys(options.store) ? new StoreKeyBook(options.store) : undefined, coordinator: options.coordinator };
    this.#halt = new AccountHalt(options.coordinator === undefined ? this.#opts.haltCooldownMs : Infinity, this.#parts.clock);
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
      halt: this.#halt,
    });
    const clock = options.clock ?? systemClock;
    this.#downloader = new Downloader({
      baseUrl: this.#opts.baseUrl,
      apiKey: this.#opts.apiKey,
      userAgent: this.#opts.userAgent || USER_AGENT,
      requestTimeoutMs: this.#opts.requestTimeoutMs,
      gate: accountGate(this.#engine.accountSlots, () => clock.epochNow()),
      redact: keyRedactor(this.#opts.apiKey).redact,
      dispatcher: options.dispatcher,
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
  waitForCompletion<F extends FamilyRef = 'gpt4o-image'>(taskId: string, options: WaitOptions<F> & { readonly download: WaitDownloadOptions }): Promise<WatchResultWithFiles<F>>;
  waitForCompletion<F extends FamilyRef = 'gpt4o-image'>(taskId: string, options?: WaitOptions<F>): Promise<WatchResult<F>>;
  waitForCompletion<F extends FamilyRef = 'gpt4o-image'>(taskId: string, options: WaitOptions<F> = {}): Promise<WatchResult<F> | WatchResultWithFiles<F>> {
    try {
      const req = this.#request(taskId, options);
      if (options.onProgress !== undefined) checkFunction('onProgress', options.onProgress);
      if (options.download !== undefined) checkDownloadOptions(options.download);
      this.#engine.assertOpen();
      const wait = this.#engine.wait<F>(req, options.onProgress as ((e: ProgressEvent) => void) | undefined);
      const save = options.download;
      if (save === undefined) return wait;
      // Not through download(): a wait that settles during close()'s drain still saves its files.
      return wait.then(async (result) => ({ ...result, files: await this.#downloader.download(result, { ...save, signal: options.signal }) }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Saves every result file of a finished task into `options.dir`, as `<taskId>-<n>.<ext>` (`n` from 0, in
   * `resultUrls` order; the extension from the content type). For each file it asks the provider for a direct
   * link (`download-url`, within the account budget), streams it to a temporary name, checks its size, and
   * renames it once whole. Resolves with `[{ url, path, bytes, contentType }]`; rejects with `DownloadError`
   * (`reason` says why), `AbortError`, or `WatcherClosedError` when `close()` stops it. See docs/downloads.md.
   */
  download(result: DownloadableResult, options: DownloadOptions): Promise<DownloadedFile[]> {
    try {
      this.#engine.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#downloader.download(result, options);
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
   * Creates a task on the family's create endpoint, under the account's creation limit (`submitLimit`), and
   * starts watching it. Never sends one create twice: see {@link SubmitOptions.key} and `SubmitUnknownError`.
   * Rejects with `TypeError` for a bad input (nothing sent), `KieApiError` for a refusal (402 credits, 422, ...),
   * `SubmitUnknownError`, `AbortError`, `TransportError` (connection refused every time) or `WatcherClosedError`.
   */
  submit<F extends FamilyRef>(family: F, input: InputOf<F>, options: SubmitOptions = {}): Promise<SubmitResult<F>> {
    return this.#submit(family, input, options, undefined) as Promise<SubmitResult<F>>;
  }

  /**
   * `submit()`, then `waitForCompletion()` of the created task: resolves with its result (`result.taskId`).
   * `timeoutMs` runs from this call; if it passes while the create is still queued, nothing is sent. With
   * `download`, also saves the result files (the result then carries `files`); its options are checked before the create.
   */
  generate<F extends FamilyRef>(family: F, input: InputOf<F>, options: GenerateOptions<F> & { readonly download: WaitDownloadOptions }): Promise<WatchResultWithFiles<F>>;
  generate<F extends FamilyRef>(family: F, input: InputOf<F>, options?: GenerateOptions<F>): Promise<WatchResult<F>>;
  async generate<F extends FamilyRef>(family: F, input: InputOf<F>, options: GenerateOptions<F> = {}): Promise<WatchResult<F> | WatchResultWithFiles<F>> {
    checkObject('options', options);
    if (options.download !== undefined) checkDownloadOptions(options.download);
    const clock = this.#parts.clock;
    const start = clock.now();
    const timeoutMs = options.timeoutMs === undefined ? this.#opts.timeoutMs : checkNumber('timeoutMs', options.timeoutMs, 0, MAX_TIMEOUT_MS);
    if (options.onProgress !== undefined) checkFunction('onProgress', options.onProgress);
    const { taskId } = await this.#submit(family, input, options, timeoutMs);
    const left = Math.max(0, timeoutMs - (clock.now() - start));
    return this.waitForCompletion<F>(taskId, {
      family: this.#family(family) as F,
      timeoutMs: left,
      signal: options.signal,
      onProgress: options.onProgress,
      expectCallback: options.expectCallback ?? (this.#opts.callbackUrl !== null || this.#opts.expectCallbacks),
      download: options.download,
    });
  }

  /** The account's credit balance (`GET /api/v1/chat/credit`). */
  credits(): Promise<number> {
    try {
      this.#engine.assertOpen();
      return this.#createService().credits();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #submit(family: FamilyRef, input: unknown, options: SubmitOptions, timeoutMs: number | undefined): Promise<{ taskId: string; family: string; key: string }> {
    try {
      checkObject('options', options);
      const f = this.#family(family);
      const key = keyOf(options.key);
      checkSignal(options.signal);
      const resubmit = options.resubmit ?? false;
      if (typeof resubmit !== 'boolean') throw new TypeError(`kie-watcher: option \`resubmit\` must be a boolean, got a value of type ${typeof resubmit}`);
      const body = bodyOf(f, input, this.#opts.callbackUrl);
      this.#engine.assertOpen();
      const deadlineAt = timeoutMs === undefined ? Infinity : this.#parts.clock.now() + timeoutMs;
      return this.#createService().submit({ family: f, body, key, resubmit, signal: options.signal, deadlineAt, timeoutMs });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #createService(): CreateService {
    if (this.#closing !== undefined) throw new WatcherClosedError();
    this.#creates ??= new CreateService({
      ...this.#parts,
      created: (family, taskId) => {
        if (this.#engine.closing) return;
        this.#engine.watch({ family, taskId, timeoutMs: this.#opts.timeoutMs, signal: undefined, expectCallback: this.#opts.callbackUrl !== null || this.#opts.expectCallbacks });
      },
    });
    return this.#creates;
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
   * Ends a halt after a 401 or 402 at once (after a top-up or a key fix): the next waits poll again without
   * waiting for `haltCooldownMs`. Does nothing when not halted; throws on a halted watcher with a `coordinator`.
   */
  clearHalt(): void {
    if (this.#parts.coordinator !== undefined && this.#halt.error !== undefined) throw new Error('kie-watcher: a watcher halted by a 401/402 with a coordinator has left the fleet; close it and start a new one');
    this.#halt.clear();
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
      // Creates in flight finish first (aborting one would make its outcome unknown), so their tasks are watched.
      // Downloads run on through a drain, like the waits; then they stop with the rest.
      // With no create out, the engine stops at once, inside this call: a close() from a listener or onProgress
      // must see nothing emitted after it.
      if (this.#closing === undefined) {
        const creates = this.#creates;
        const createsFirst = creates !== undefined && creates.pending > 0;
        const engineClosed = createsFirst ? creates.close().then(() => this.#engine.close(drainMs)) : this.#engine.close(drainMs);
        this.#closing = engineClosed.then(async (result) => {
          if (!createsFirst) await creates?.close();
          await this.#downloader.close();
          return result;
        });
      }
      return this.#closing;
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
