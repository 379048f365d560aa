import { setMaxListeners, type EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import { AbortError, WatcherClosedError, type KieApiError } from '../errors.js';
import type { TaskUpdate, WatchResult, WatcherStats } from '../events.js';
import type { FamilyRef } from '../families/index.js';
import type { TaskFamily } from '../families/family.js';
import type { Log } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import { resolvePolicy } from '../policy/index.js';
import { MemoryTaskRateLimiter, type TaskRateLimiter } from '../limits/task-limiter.js';
import type { PendingTaskInfo, PendingTaskStore } from '../stores/pending-store.js';
import { StatusClient, USER_AGENT } from '../transport/client.js';
import { keyRedactor } from '../transport/redact.js';
import { UpdateStream } from '../update-stream.js';
import type { Dispatcher } from 'undici';
import { Admission } from '../limits/admission.js';
import type { AccountHalt } from '../limits/account-halt.js';
import { Answers } from './answers.js';
import { Requests } from './request.js';
import { Stats } from './stats.js';
import type { FleetFactory, FleetMode } from './fleet-observer.js';
import { Notifier } from './notifier.js';
import { taskKey } from '../validate.js';
import { ResultCache } from './result-cache.js';
import { Registry } from './registry.js';
import { Scheduler, type PollDriver } from './scheduler.js';
import { setFlag, TaskFlag, type Interest, type Settlement, type TaskEntry } from './task.js';

/** What the engine is built from: validated options plus the injected parts. */
export interface EngineParts {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Log;
  readonly rateLimiter: TaskRateLimiter | undefined;
  readonly store: PendingTaskStore | undefined;
  readonly dispatcher: Dispatcher | undefined;
  /** Fleet mode (the `coordinator` option): which process polls what is decided there. */
  readonly fleet: FleetFactory | undefined;
  /** The families this watcher knows, by id (claims of the fleet name their family by id). */
  readonly families: (id: string) => TaskFamily | undefined;
  readonly halt: AccountHalt;
}

/** What a wait or a stream asks for. */
export interface InterestRequest {
  readonly family: TaskFamily;
  readonly taskId: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly expectCallback: boolean;
}

/** What `close()` resolves with: the tasks that were still pending, for a worker to persist or hand over. */
export interface CloseResult {
  /** Every task that still had an interest when the watcher closed (after the drain), with its family and when watching started (epoch ms); `[]` when none. */
  readonly pending: readonly PendingTaskInfo[];
}

/**
 * The loop: wires registry, scheduler, admission, transport and answers together, and owns the request path
 * (send, classify, hand the outcome to the one door). The `TaskWatcher` facade validates input and calls in.
 */
export class Engine {
  readonly #parts: EngineParts;
  readonly #notifier: Notifier;
  readonly #cache: ResultCache;
  readonly #admission: Admission;
  readonly #scheduler: PollDriver;
  readonly #fleet: FleetMode | undefined;
  readonly #registry: Registry;
  readonly #answers: Answers;
  readonly #client: StatusClient;
  readonly #requests: Requests;
  readonly #stats = new Stats();
  readonly #abort = new AbortController();
  /** `close()` was called: no new work is taken (a drain may still be running). */
  #closing: Promise<CloseResult> | undefined;
  #closed = false;
  #drained: (() => void) | undefined;

  constructor(emitter: EventEmitter, parts: EngineParts) {
    this.#parts = parts;
    const { opts, clock, log } = parts;
    const redactor = keyRedactor(opts.apiKey);
    // An injected dispatcher gets this signal on every request in flight; the in-flight cap bounds them.
    setMaxListeners(opts.maxInFlight + 8, this.#abort.signal);
    this.#notifier = new Notifier(emitter, log);
    this.#cache = new ResultCache(opts.resultCacheTtlMs, opts.resultCacheSize);
    this.#admission = new Admission({
      limiter: parts.rateLimiter ?? new MemoryTaskRateLimiter({ intervalMs: opts.minIntervalMs, burst: 1 }),
      accountRequestsPerSecond: opts.accountRequestsPerSecond,
      minIntervalMs: opts.minIntervalMs,
      notifier: this.#notifier,
      log,
    });
    this.#client = new StatusClient({
      baseUrl: opts.baseUrl,
      apiKey: opts.apiKey,
      redactor,
      dispatcher: parts.dispatcher,
      connections: opts.connections,
      requestTimeoutMs: opts.requestTimeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      userAgent: opts.userAgent || USER_AGENT,
      signal: this.#abort.signal,
    });
    const local = new Scheduler(clock, this.#admission, Math.min(opts.maxInFlight, this.#client.capacity), {
      nextDeadlineAt: () => this.#registry.nextDeadlineAt(),
      expire: (now) => this.#registry.expire(now),
      start: (task) => this.#requests.start(task),
      send: (task) => this.#requests.send(task),
      refused: (task, at) => this.#registry.lastPollRefused(task, at),
    });
    this.#fleet = parts.fleet?.({
      opts,
      clock,
      log,
      local,
      family: parts.families,
      entry: (family, taskId) => this.#registry.get(family, taskId),
      localTasks: () => this.#registry.withDeadlines(),
      settleRemote: (family, taskId, settlement) => this.#settleRemote(family, taskId, settlement),
      progressRemote: (task, e) => this.#progressRemote(task, e),
      status: (status, error) => this.#notifier.emit('coordinator', { status, reason: error === undefined ? null : error.message }),
    });
    this.#scheduler = this.#fleet ?? local;
    const lastPollAnswerMs = Math.min(opts.requestTimeoutMs, 5_000);
    this.#registry = new Registry({
      clock,
      scheduler: this.#scheduler,
      fleet: this.#fleet,
      admission: this.#admission,
      notifier: this.#notifier,
      cache: this.#cache,
      store: parts.store,
      lastPollGraceMs: opts.minIntervalMs + lastPollAnswerMs,
      lastPollAnswerMs,
      stopped: (task) => this.#answers.stopped(task),
      stats: this.#stats,
    });
    this.#answers = new Answers({
      opts,
      clock,
      random: parts.random,
      log,
      policy: resolvePolicy(opts.policy),
      minIntervalMs: opts.minIntervalMs,
      registry: this.#registry,
      scheduler: this.#scheduler,
      fleet: this.#fleet,
      admission: this.#admission,
      notifier: this.#notifier,
      redactor,
      stats: this.#stats,
      halt: (error) => this.#halt(error),
    });
    this.#requests = new Requests({
      clock,
      log,
      admission: this.#admission,
      client: this.#client,
      retryAfterCapMs: opts.retry.maxDelayMs,
      stats: this.#stats,
      answers: this.#answers,
      registry: this.#registry,
      scheduler: () => this.#scheduler,
      halt: this.#parts.halt,
      closed: () => this.#closed,
      drained: () => this.#drained?.(),
    });
  }

  /** Another process of the fleet settled a task. */
  #settleRemote(family: string, taskId: string, settlement: Settlement): void {
    if (this.#closed) return;
    const task = this.#registry.get(family, taskId);
    if (task !== undefined && task.interests.size > 0 && !task.inFlight) this.#registry.settle(task, settlement, true);
    else this.#registry.cacheKey(family, taskId, settlement);
  }

  /** Another process of the fleet saw progress on a task waited for here. */
  #progressRemote(task: TaskEntry, e: { progress: number; status: string | null; state: 'pending' | 'success' | 'failure'; record: unknown }): void {
    if (this.#closed) return;
    task.progress = Math.max(task.progress ?? 0, e.progress);
    task.status = e.status;
    const event = { taskId: task.taskId, family: task.family.id, progress: task.progress, status: e.status, state: e.state, record: e.record };
    this.#notifier.emit('progress', event, { taskId: task.taskId, family: task.family.id });
    this.#registry.notifyProgress(task, event);
  }

  /** The account budget and 429 pause, for API requests other than polls (download links): see `AccountSlots`. */
  get accountSlots(): { allowedAt(nowEpoch: number): number; take(nowEpoch: number): void } {
    const admission = this.#admission;
    return { allowedAt: (now) => admission.accountAllowedAt(now), take: (now) => admission.takeAccount(now) };
  }

  /** `close()` was called (a drain may still be running). */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /** Throws `WatcherClosedError` once `close()` was called. */
  assertOpen(): void {
    if (this.#closing) throw new WatcherClosedError();
  }

  /** A settled outcome known without a request: the halt, or the result cache. */
  known(family: TaskFamily, taskId: string): Settlement | undefined {
    return this.#parts.halt.refuses(family.id, taskId) ?? this.#cache.get(taskKey(family.id, taskId), this.#parts.clock.now());
  }

  watch(req: InterestRequest): void {
    const { family, taskId } = req;
    // Someone who watches through events must still hear a known outcome, after this call returns.
    const replay = (known: Settlement): void =>
      this.#notifier.replay(taskKey(family.id, taskId), () => {
        const ctx = { taskId, family: family.id };
        if (known.ok) this.#notifier.emit('completed', { taskId, family: family.id, result: known.result }, ctx);
        else this.#notifier.emit('failed', { taskId, family: family.id, error: known.error }, ctx);
      });
    // A live watch hears its end through the events the registry emits; it takes no signal.
    this.#interest({ ...req, signal: undefined }, 'watch', undefined, () => undefined, replay);
  }

  wait<F extends FamilyRef>(req: InterestRequest, onProgress: Interest['onProgress']): Promise<WatchResult<F>> {
    return new Promise<WatchResult<F>>((resolve, reject) => {
      this.#interest(req, 'wait', onProgress, (s) => (s.ok ? resolve(s.result as unknown as WatchResult<F>) : reject(s.error)));
    });
  }

  updates<F extends FamilyRef>(req: InterestRequest): AsyncIterableIterator<TaskUpdate<F>> {
    const stream = new UpdateStream<TaskUpdate<F>>();
    const interest = this.#interest(
      req,
      'updates',
      (e) => stream.push({ type: 'progress', taskId: req.taskId, progress: e.progress, status: e.status, state: e.state }),
      (s) => (s.ok ? stream.end({ type: 'completed', taskId: req.taskId, result: s.result as unknown as WatchResult<F> }) : stream.fail(s.error)),
    );
    if (interest !== undefined) stream.onReturn = () => this.#registry.cancel(interest);
    return stream;
  }

  /**
   * The one path of every interest (`watch`, `wait`, `updates`): an outcome known without a request settles it
   * at once (`known`, by default `settle`), an aborted signal rejects it, else it joins its task in the registry
   * (and the fleet). `undefined` when no interest was added (a task has one `watch()` at most).
   */
  #interest(req: InterestRequest, kind: Interest['kind'], onProgress: Interest['onProgress'], settle: Interest['settle'], known: Interest['settle'] = settle): Interest | undefined {
    const outcome = this.known(req.family, req.taskId);
    if (outcome) return void known(outcome);
    if (req.signal?.aborted) return void settle({ ok: false, error: new AbortError(req.taskId, req.signal.reason, req.family.id) });
    const task = this.#ensure(req);
    if (kind === 'watch' && this.#registry.watched(task)) return undefined;
    const interest = this.#registry.addInterest(task, kind, req.timeoutMs, onProgress, settle);
    this.#registry.attachSignal(interest, req.signal);
    this.#fleet?.track(task, req.timeoutMs);
    return interest;
  }

  /**
   * Polls the task now, within its rate limit (a callback said it may be done). A task with a request in flight
   * is polled again as soon as that answer is in. Returns whether any watched task was poked.
   */
  poke(taskId: string, families: readonly TaskFamily[]): boolean {
    let found = false;
    const elsewhere: string[] = [];
    for (const family of families) {
      const task = this.#registry.get(family.id, taskId);
      if (task === undefined || task.interests.size === 0) {
        this.#answers.lateCallback(family.id, taskId);
        elsewhere.push(family.id);
        continue;
      }
      found = true;
      setFlag(task, TaskFlag.POKED);
      if (!task.inFlight) this.#scheduler.hurry(task);
    }
    // In a fleet another process may poll it: the coordinator makes it due at once there.
    if (elsewhere.length > 0) this.#fleet?.pokeRemote(elsewhere, taskId);
    return found;
  }

  /** The fleet's durable pending set (`undefined` without a coordinator). */
  async fleetPending(): Promise<PendingTaskInfo[] | undefined> {
    if (this.#fleet === undefined) return undefined;
    return this.#fleet.resumable();
  }

  isWatching(family: TaskFamily, taskId: string): boolean {
    const task = this.#registry.get(family.id, taskId);
    return task !== undefined && task.interests.size > 0;
  }

  onIdle(): Promise<void> {
    return this.#registry.onIdle();
  }

  stats(): WatcherStats {
    return {
      pending: this.#registry.pending,
      inFlight: this.#scheduler.inFlight,
      cached: this.#cache.size,
      ...this.#stats.snapshot(),
    };
  }

  /**
   * Stops taking work; with `drainMs`, lets pending tasks finish for up to that long; then rejects what is left
   * with `WatcherClosedError`, aborts requests in flight and resolves once no socket or timer of the watcher
   * remains, with the tasks that were still pending.
   */
  close(drainMs: number): Promise<CloseResult> {
    this.#closing ??= this.#close(drainMs);
    return this.#closing;
  }

  async #close(drainMs: number): Promise<CloseResult> {
    if (drainMs > 0 && this.#registry.pending > 0) {
      const { clock } = this.#parts;
      let timer: unknown;
      await Promise.race([this.#registry.onIdle(), new Promise<void>((r) => (timer = clock.setTimeout(r, drainMs)))]);
      clock.clearTimeout(timer);
    }
    this.#closed = true;
    this.#notifier.close();
    this.#scheduler.close();
    const pending = this.#registry.closeAll();
    this.#notifier.flush();
    this.#abort.abort(new WatcherClosedError());
    const drained = this.#scheduler.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => (this.#drained = r));
    // Destroying the pool aborts its requests in flight; their handlers then run and release their slots.
    await this.#client.close();
    await drained;
    // In a fleet the pending tasks stay in the coordinator for the other processes (and for resume()).
    await this.#fleet?.shutdown();
    // A buffering store (a file) holds the pending set a restart resumes from: it must be on disk now.
    await this.#parts.store?.flush?.().catch((err: unknown) => this.#notifier.report('store', err));
    return { pending };
  }

  /** The task for an interest; any interest expecting a callback marks the task so. */
  #ensure(req: InterestRequest): TaskEntry {
    const task = this.#registry.ensure(req.family, req.taskId);
    if (req.expectCallback) setFlag(task, TaskFlag.EXPECT_CALLBACK);
    return task;
  }

  #halt(error: KieApiError): void {
    this.#parts.halt.begin(error);
    // This key is refused: claiming more of the fleet's tasks would only earn more refusals.
    this.#fleet?.close();
    this.#fleet?.releaseHeld();
    this.#parts.log.error({ providerCode: error.providerCode, httpStatus: error.httpStatus }, 'kie-watcher: the API refused the key or account; all watching stopped');
    this.#registry.halt(error);
  }
}
