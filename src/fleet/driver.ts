import type { ProgressEvent } from '../events.js';
import type { FleetHost, FleetMode } from '../engine/fleet-observer.js';
import { newTaskEntry, type Settlement, type TaskEntry } from '../engine/task.js';
import type { Claim, FleetMessage, FleetStore, Report, TaskKey } from './coordinator.js';
import { decodeEvent, decodeSettlement, decodeState, encodeEvent, encodeSettlement, encodeState, type TimeBase } from './codec.js';
import { FleetCounters } from './heartbeat.js';
import { taskKey } from '../validate.js';

/** Longest gap between two ticks: how late a task another process poked, or registered, is seen here. */
const MAX_TICK_GAP_MS = 50;
/** A claim batch big enough to keep up, small enough that a tick stays far below the send guard. */
const MAX_CLAIMS_PER_TICK = 64;
/**
 * A finished poll's report waits this long at most for others to share its tick. Each tick is a round trip and
 * a script run on the one Redis every process shares; a report sent alone at 1,300 polls/s per process (8
 * processes on this machine's simulator) cost 0.09 Redis calls per poll. The wait only moves the task's next
 * due time by as much; a final report (other processes may wait for it) goes at once (`settled`).
 */
const REPORT_LINGER_MS = 20;
/** This many waiting reports go at once: a process polling fast fills a tick long before the linger ends. */
const REPORT_BATCH = 32;
/** After a failed tick (Redis down), try again this soon; the store's own probe says when it is back. */
const RETRY_MS = 250;
/** A poll whose failure ended this process's waits only (transport, unreadable, not visible yet): the fleet's next try. */
const UNSHARED_RETRY_MS = 1_000;

/** What the fleet driver needs: the engine's side ({@link FleetHost}) and the fleet's store. */
export interface FleetDriverDeps extends Pick<FleetHost, 'clock' | 'log' | 'local' | 'family' | 'entry' | 'localTasks' | 'settleRemote' | 'progressRemote'> {
  readonly store: FleetStore;
}

/**
 * Lets a coordinator (Redis) decide which process polls which task. The pending set, the due times, each
 * task's rate limit and the account budget live in the fleet store; this process registers what it waits
 * for, and one tick at a time (at most every 50 ms) reports what its polls found and claims due tasks, any
 * process's, up to its free slots. Results and progress reach every process through the store's streams.
 */
export class FleetDriver implements FleetMode {
  readonly #d: FleetDriverDeps;
  /** Claims being polled now, by task. */
  readonly #held = new Map<TaskEntry, Claim>();
  /** Progress events of held tasks, sent with their next report. */
  readonly #events = new Map<TaskEntry, string>();
  #reports: Report[] = [];
  readonly #toRegister = new Map<string, { key: TaskKey; timeoutMs: number }>();
  #registerScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #ticking = false;
  #stopped = false;
  #unsubscribe: (() => void) | undefined;
  /** Redis time minus local monotonic time, from the latest tick with a short round trip. */
  #offset: number | undefined;
  #offsetRoundTrip = Infinity;
  /** Settlements heard for local tasks whose own request was out: applied once that answer is handled. */
  readonly #owed = new Map<TaskEntry, Settlement>();
  /** What the dashboard reads: sent after a tick, at most once a second. */
  readonly #counters = new FleetCounters();

  constructor(deps: FleetDriverDeps) {
    this.#d = deps;
  }

  /** Listens to the fleet's streams, then starts ticking. */
  async start(): Promise<void> {
    try {
      this.#unsubscribe = await this.#d.store.subscribe((m) => this.#onMessage(m));
    } catch (err) {
      this.#d.log.warn({ err: { message: (err as Error).message } }, 'kie-watcher: cannot read the fleet streams yet; retrying');
      if (!this.#stopped) setTimeout(() => void this.start(), RETRY_MS).unref();
      return;
    }
    this.#wakeIn(0);
  }

  get inFlight(): number {
    return this.#d.local.inFlight;
  }

  schedule(task: TaskEntry, at: number): void {
    const claim = this.#held.get(task);
    if (claim === undefined) return; // a new task: `track` registers it with the fleet
    this.#held.delete(task);
    this.#counters.answered(task);
    const event = this.#events.get(task);
    this.#events.delete(task);
    const delayMs = Math.max(0, at - this.#d.clock.now());
    this.#reports.push({ kind: 'next', key: claim.key, fence: claim.fence, delayMs, state: encodeState(task, this.#time(), claim.watchedAt), event });
    this.#wakeIn(this.#reportsDelay());
  }

  unschedule(): void {
    // The fleet keeps polling a task until its last waiter's deadline anywhere: nothing to do here.
  }

  hurry(task: TaskEntry): void {
    if (this.#held.has(task)) return; // in flight: its answer is followed by an immediate poll (the POKED flag)
    this.#d.store.poke({ family: task.family.id, taskId: task.taskId }).catch((err: unknown) => this.#warn('poke', err));
  }

  /** Pokes a taskId under families this process has no entry for (one round trip): whichever process polls it next does so at once. */
  pokeRemote(families: readonly string[], taskId: string): void {
    if (families.length === 0) return;
    this.#d.store.pokeAll(families.map((family) => ({ family, taskId }))).catch((err: unknown) => this.#warn('poke', err));
  }

  track(task: TaskEntry, timeoutMs: number): void {
    const id = taskKey(task.family.id, task.taskId);
    const prev = this.#toRegister.get(id);
    this.#toRegister.set(id, { key: { family: task.family.id, taskId: task.taskId }, timeoutMs: Math.max(timeoutMs, prev?.timeoutMs ?? 0) });
    if (this.#registerScheduled) return;
    this.#registerScheduled = true;
    // One round trip for every wait started in this turn of the event loop.
    setImmediate(() => void this.#register());
  }

  progressed(task: TaskEntry, event: ProgressEvent): void {
    if (this.#held.has(task)) this.#events.set(task, encodeEvent(event, this.#d.store.owner));
  }

  settled(task: TaskEntry, settlement: Settlement, shared: boolean): void {
    const claim = this.#held.get(task);
    if (claim === undefined) return;
    this.#held.delete(task);
    this.#events.delete(task);
    if (!shared) {
      // Ended this process's waits, not the task: the fleet keeps polling it for the others, with a fresh streak.
      task.errors = 0;
      task.invalid = 0;
      const state = encodeState(task, this.#time(), claim.watchedAt);
      this.#reports.push({ kind: 'next', key: claim.key, fence: claim.fence, delayMs: UNSHARED_RETRY_MS, state });
      this.#wakeIn(this.#reportsDelay());
      return;
    }
    // Found on an entry of the fleet's (the local one had a request out): this process's waiters hear it first.
    const local = this.#d.entry(task.family.id, task.taskId);
    if (local !== undefined && local !== task) queueMicrotask(() => this.#deliver(task.family.id, task.taskId, settlement));
    this.#counters.settled(settlement);
    const report: Report = { kind: 'final', key: claim.key, fence: claim.fence, result: encodeSettlement(settlement, this.#d.store.owner) };
    if (!this.#ticking) {
      this.#reports.push(report);
      this.#wakeIn(0);
      return;
    }
    // Other processes are waiting for this: do not let it wait for the tick in flight. A call with no claims
    // may run beside a tick (reports are fenced, and it claims nothing).
    this.#d.store.tick([report], 0).catch(() => {
      this.#reports.push(report);
      this.#wakeIn(RETRY_MS);
    });
  }

  callbacksSeen(taskIds: readonly string[]): Promise<readonly boolean[]> {
    return this.#d.store.callbacksSeen(taskIds);
  }

  pauseAccount(ms: number): void {
    this.#d.store.pause(ms).catch((err: unknown) => this.#warn('pause', err));
  }

  finished(): void {
    for (const [task, settlement] of this.#owed) {
      if (task.inFlight) continue;
      this.#owed.delete(task);
      this.#d.settleRemote(task.family.id, task.taskId, settlement);
    }
    this.#d.local.finished();
    // A free slot: claim again soon (the answer's report goes with it).
    this.#wakeIn(0);
  }

  deadlinesChanged(): void {
    this.#d.local.deadlinesChanged();
  }

  /** The request of a held task was not used for an answer (the watcher closed, or halted): give the claim back. */
  releaseHeld(): void {
    const claims = [...this.#held.values()];
    this.#held.clear();
    this.#events.clear();
    this.#d.store.release(claims);
  }

  async resumable(): Promise<{ family: string; taskId: string; watchedAt: number }[]> {
    const now = this.#time().epochNow;
    return (await this.#d.store.listPending({ unheld: true })).filter((p) => p.deadlineAt > now).map((p) => ({ taskId: p.key.taskId, family: p.key.family, watchedAt: p.watchedAt }));
  }

  /** Every local task again (after the fleet lost its data, or the stream reader reconnected). */
  registerAll(): void {
    for (const { task, timeoutMs } of this.#d.localTasks()) this.track(task, timeoutMs);
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#d.local.close();
  }

  /** Stops ticking, hands held claims back with the reports owed, and closes the store. */
  async shutdown(): Promise<void> {
    this.close();
    const reports = this.#reports;
    this.#reports = [];
    this.releaseHeld();
    if (reports.length > 0) await this.#d.store.tick(reports, 0).catch(() => undefined);
    await this.#counters.flush(this.#d.store, this.#d.local.capacity);
    await this.#d.store.close();
  }

  /** Now, on the local monotonic clock and on Redis's (epoch ms); this host's wall clock until a tick measured it. */
  #time(): TimeBase {
    const now = this.#d.clock.now();
    return { now, epochNow: this.#offset === undefined ? this.#d.clock.epochNow() : now + this.#offset };
  }

  /** Takes Redis's clock from a tick: the offset measured over the shortest recent round trip wins. */
  #measure(sentAt: number, redisNow: number | undefined): void {
    if (redisNow === undefined || !Number.isFinite(redisNow)) return;
    const at = this.#d.clock.now();
    const roundTrip = at - sentAt;
    // An older measurement ages (the clocks drift apart slowly), so a slower one replaces it after a while.
    this.#offsetRoundTrip += 0.01;
    if (roundTrip > this.#offsetRoundTrip && this.#offset !== undefined) return;
    this.#offsetRoundTrip = roundTrip;
    this.#offset = redisNow - (sentAt + roundTrip / 2);
  }

  /** A task's final outcome reached this process: its local waiters settle (once their own request is back). */
  #deliver(family: string, taskId: string, settlement: Settlement): void {
    if (this.#stopped) return;
    const task = this.#d.entry(family, taskId);
    if (task !== undefined && task.interests.size > 0 && task.inFlight) this.#owed.set(task, settlement);
    else this.#d.settleRemote(family, taskId, settlement);
  }

  #warn(what: string, err: unknown): void {
    this.#d.log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, `kie-watcher: fleet ${what} failed`);
  }

  async #register(): Promise<void> {
    this.#registerScheduled = false;
    if (this.#stopped || this.#toRegister.size === 0) return;
    const batch = [...this.#toRegister.values()];
    this.#toRegister.clear();
    let outcomes;
    try {
      outcomes = await this.#d.store.register(batch.map((b) => ({ key: b.key, timeoutMs: b.timeoutMs })));
    } catch (err) {
      this.#warn('register', err);
      // Registered later: the local deadlines still apply meanwhile.
      for (const b of batch) this.#toRegister.set(taskKey(b.key.family, b.key.taskId), b);
      if (!this.#registerScheduled && !this.#stopped) {
        this.#registerScheduled = true;
        setTimeout(() => void this.#register(), RETRY_MS).unref();
      }
      return;
    }
    for (const o of outcomes) {
      if (o.status !== 'settled') continue;
      const decoded = decodeSettlement(o.result);
      if (decoded) this.#deliver(o.key.family, o.key.taskId, decoded.settlement);
    }
    this.#wakeIn(0);
  }

  /** How soon the reports waiting now should go: at once once a batch has gathered. */
  #reportsDelay(): number {
    return this.#reports.length >= REPORT_BATCH ? 0 : REPORT_LINGER_MS;
  }

  #wakeIn(ms: number): void {
    if (this.#stopped) return;
    const at = Date.now() + ms;
    if (this.#ticking || at >= this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      void this.#tick();
    }, ms);
    // The local deadline timer keeps the process alive while it waits for something; helping the fleet does not.
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#ticking) return;
    this.#ticking = true;
    const reports = this.#reports;
    this.#reports = [];
    const free = Math.max(0, Math.min(MAX_CLAIMS_PER_TICK, this.#d.local.capacity - this.#d.local.inFlight));
    let next: number = MAX_TICK_GAP_MS;
    try {
      const sentAt = this.#d.clock.now();
      const r = await this.#d.store.tick(reports, free);
      this.#measure(sentAt, r.redisNow);
      const stale: Claim[] = [];
      for (const claim of r.claims) {
        if (this.#stopped || performance.now() > claim.validUntil) stale.push(claim);
        else if (!this.#poll(claim)) stale.push(claim);
      }
      if (stale.length > 0) this.#d.store.release(stale);
      this.#counters.expired(r.expired.length);
      this.#counters.maybeBeat(this.#d.store, performance.now(), this.#held.size, this.#d.local.capacity);
      // Claims stopped at the batch cap with slots still free: more due work waits for them now. Otherwise a
      // slot frees only when a poll ends, and its report wakes the next tick.
      const capped = r.claims.length === MAX_CLAIMS_PER_TICK && this.#d.local.capacity > this.#d.local.inFlight;
      next =
        capped || stale.length > 0
          ? 0
          : this.#reports.length > 0
            ? this.#reportsDelay()
            : Math.min(MAX_TICK_GAP_MS, r.nextDueInMs ?? MAX_TICK_GAP_MS);
    } catch (err) {
      // Not applied (or not known to be): sent again with the next tick; a report twice is harmless (fences).
      this.#reports = [...reports, ...this.#reports];
      if (this.#d.store.status === 'up') this.#warn('tick', err);
      next = RETRY_MS;
    } finally {
      this.#ticking = false;
    }
    this.#wakeIn(next);
  }

  /** Starts the poll a claim allows; `false` when this process cannot poll it (a family it does not know). */
  #poll(claim: Claim): boolean {
    const family = this.#d.family(claim.key.family);
    if (family === undefined) return false;
    const t = this.#time();
    let task = this.#d.entry(claim.key.family, claim.key.taskId);
    if (task === undefined || task.inFlight || this.#held.has(task)) {
      // Polled for the fleet: a detached entry, never in the registry's map.
      task = newTaskEntry(family, claim.key.taskId, t.now - Math.max(0, t.epochNow - claim.watchedAt));
    }
    decodeState(claim.state, task, t, claim.watchedAt);
    this.#held.set(task, claim);
    this.#counters.polled(task);
    this.#d.local.startNow(task);
    return true;
  }

  #onMessage(message: FleetMessage): void {
    if (this.#stopped) return;
    if (message.type === 'resync') {
      this.registerAll();
      return;
    }
    if (message.type === 'final') {
      // Its own results too: one polled on an entry of the fleet's may be the only news a local waiter gets.
      const decoded = decodeSettlement(message.result);
      if (decoded !== null) this.#deliver(message.key.family, message.key.taskId, decoded.settlement);
      return;
    }
    const event = decodeEvent(message.event);
    if (event === null || event.owner === this.#d.store.owner) return;
    const task = this.#d.entry(message.key.family, message.key.taskId);
    if (task !== undefined && task.interests.size > 0) this.#d.progressRemote(task, event);
  }
}
