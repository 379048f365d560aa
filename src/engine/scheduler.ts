import { MAX_TIMER_MS, type Clock } from '../clock.js';
import { IndexedMinHeap } from '../heap.js';
import type { Admission } from '../limits/admission.js';
import type { TaskEntry } from './task.js';

/**
 * What drives polls: the registry and the answers door speak only to this. The in-process {@link Scheduler}
 * polls the tasks this process watches; a fleet (`src/fleet/`) lets a coordinator decide which process polls
 * what, and polls tasks for other processes too (it is also told what happened: `fleet-observer.ts`).
 */
export interface PollDriver {
  readonly inFlight: number;
  /** A task's next poll is due at `at` (monotonic ms); for a new task, its first poll. */
  schedule(task: TaskEntry, at: number): void;
  unschedule(task: TaskEntry): void;
  /** Poll now, within the limits (a callback said it may be done). */
  hurry(task: TaskEntry): void;
  /** A request ended: its slot is free again. */
  finished(): void;
  deadlinesChanged(): void;
  close(): void;
}

/** What the scheduler drives: deadlines that expire, and requests to start. */
export interface SchedulerHooks {
  /** Earliest deadline (monotonic ms), `Infinity` for none. */
  nextDeadlineAt(): number;
  /** Expires every deadline at or before `now`. */
  expire(now: number): void;
  /**
   * Admits the task at the instant its request is handed to the HTTP stack and sends it (the slot is already
   * counted); or, refused, says when (epoch ms) to ask again. Admission and send are one step: anything that
   * ran between them (user code, a GC pause, the process descheduled) would send later than the limiter counted.
   */
  start(task: TaskEntry): true | number;
  /** Sends the request for a task admitted elsewhere (a fleet claim; the slot is already counted). */
  send(task: TaskEntry): void;
  /** Admission refused the task's poll until `at` (monotonic ms); it is rescheduled for then. */
  refused(task: TaskEntry, at: number): void;
}

/**
 * The poll heap, the one timer, the in-flight cap and the pump. A task sits in the heap keyed by when its next
 * poll is due; one timer is armed for the earliest of that and the earliest deadline. When it fires, due
 * deadlines expire, then due polls start, oldest-due first (FIFO among equals, so nothing starves), while a slot
 * is free and the admission gate agrees. A finished request frees its slot and pumps again at once.
 */
export class Scheduler implements PollDriver {
  readonly #heap = new IndexedMinHeap<TaskEntry>();
  readonly #clock: Clock;
  readonly #admission: Admission;
  readonly #capacity: number;
  readonly #hooks: SchedulerHooks;
  #inFlight = 0;
  #timer: unknown = undefined;
  #timerAt = Infinity;
  #pumping = false;
  #closed = false;

  /** `capacity`: requests in flight at once; never more than the connections that can carry them without queueing. */
  constructor(clock: Clock, admission: Admission, capacity: number, hooks: SchedulerHooks) {
    this.#clock = clock;
    this.#admission = admission;
    this.#capacity = capacity;
    this.#hooks = hooks;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Starts a poll the caller admitted elsewhere (a fleet claim): counts its slot, skips the local gate. */
  startNow(task: TaskEntry): void {
    this.#inFlight += 1;
    this.#hooks.send(task);
  }

  get scheduled(): number {
    return this.#heap.size;
  }

  /** Polls the task at `at` (monotonic ms), or as soon after as the limits allow. */
  schedule(task: TaskEntry, at: number): void {
    this.#heap.set(task, at);
    this.#wake();
  }

  /** Moves a scheduled task's poll to now (still through the admission gate). */
  hurry(task: TaskEntry): void {
    if (!this.#heap.has(task)) return;
    const now = this.#clock.now();
    if (task.heapKey > now) this.schedule(task, now);
  }

  unschedule(task: TaskEntry): void {
    this.#heap.delete(task);
  }

  /** A request ended (answered, failed or aborted): its slot is free again. */
  finished(): void {
    this.#inFlight -= 1;
    this.pump();
  }

  /** A deadline was added or moved: the timer may need to fire earlier. */
  deadlinesChanged(): void {
    this.#wake();
  }

  /** Expires deadlines, then starts due polls while slots and the admission gate allow. */
  pump(): void {
    if (this.#closed || this.#pumping) return;
    this.#pumping = true;
    try {
      this.#hooks.expire(this.#clock.now());
      while (this.#inFlight < this.#capacity) {
        const now = this.#clock.now();
        const nowEpoch = this.#clock.epochNow();
        const task = this.#heap.peek();
        if (task === undefined || task.heapKey > now) break;
        if (this.#admission.accountAllowedAt(nowEpoch) > nowEpoch) break;
        // The slot is counted before the start: a request that ends synchronously releases it through finished().
        this.#heap.delete(task);
        this.#inFlight += 1;
        const started = this.#hooks.start(task);
        if (started !== true) {
          this.#inFlight -= 1;
          const at = this.#clock.now() + (started - this.#clock.epochNow());
          this.#heap.set(task, at);
          this.#hooks.refused(task, at);
        }
      }
    } finally {
      this.#pumping = false;
    }
    this.#wake();
  }

  /** Stops the timer for good; requests in flight are the engine's to abort. */
  close(): void {
    this.#closed = true;
    this.#clearTimer();
    this.#heap.clear();
  }

  /** Re-arms the one timer if the earliest wake-up moved earlier. */
  #wake(): void {
    if (this.#pumping || this.#closed) return;
    const next = this.#nextWakeAt();
    if (next === Infinity) return this.#clearTimer();
    if (next >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = next;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(next - this.#clock.now())));
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), delay);
  }

  #nextWakeAt(): number {
    const deadline = this.#hooks.nextDeadlineAt();
    // With every slot taken, the next finished request pumps; no timer is needed for polls.
    if (this.#inFlight >= this.#capacity) return deadline;
    const poll = this.#heap.peek()?.heapKey ?? Infinity;
    if (poll === Infinity) return deadline;
    const now = this.#clock.now();
    const nowEpoch = this.#clock.epochNow();
    const account = now + (this.#admission.accountAllowedAt(nowEpoch) - nowEpoch);
    return Math.min(deadline, Math.max(poll, account));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.pump();
  }
}
