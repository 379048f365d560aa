import type { Clock } from '../clock.js';

interface Window {
  /** Monotonic ms at which the window closes. */
  readonly until: number;
  /** Another callback came in during the window: poke once more when it closes. */
  trailing: boolean;
  family: string | undefined;
}

/** What the coalescer needs from a clock: monotonic time and one timer. */
export type CoalescerClock = Pick<Clock, 'now' | 'setTimeout' | 'clearTimeout'>;

/**
 * At most one poke per task per interval: the first callback pokes at once, any number of others during the
 * interval become one trailing poke when it ends (so a later state is never missed). Every window is as long
 * as every other, so the oldest window is always the first to close and one timer serves all tasks.
 */
export class PokeCoalescer {
  readonly #windows = new Map<string, Window>();
  readonly #poke: (taskId: string, family: string | undefined) => void;
  readonly #intervalMs: number;
  readonly #maxTasks: number;
  readonly #clock: CoalescerClock;
  #timer: unknown;
  #timerAt = Infinity;

  constructor(poke: (taskId: string, family: string | undefined) => void, intervalMs: number, maxTasks: number, clock: CoalescerClock) {
    this.#poke = poke;
    this.#intervalMs = intervalMs;
    this.#maxTasks = maxTasks;
    this.#clock = clock;
  }

  /** Tasks with an open window (bounded by `maxTasks`). */
  get size(): number {
    return this.#windows.size;
  }

  /** `'poked'` when the task was poked now, `'deferred'` when a trailing poke is (already) due. */
  request(taskId: string, family: string | undefined): 'poked' | 'deferred' {
    const now = this.#clock.now();
    this.#closeDue(now);
    const open = this.#windows.get(taskId);
    if (open !== undefined) {
      open.trailing = true;
      open.family = family ?? open.family;
      return 'deferred';
    }
    this.#open(taskId, family, now);
    return 'poked';
  }

  /** Forgets every window and pending trailing poke; the coalescer stays usable. */
  close(): void {
    this.#disarm();
    this.#windows.clear();
  }

  #open(taskId: string, family: string | undefined, now: number): void {
    if (this.#intervalMs > 0) {
      this.#windows.set(taskId, { until: now + this.#intervalMs, trailing: false, family });
      // Over the cap, the oldest window closes early: its trailing poke goes now instead of later.
      while (this.#windows.size > this.#maxTasks) {
        const oldest = this.#windows.entries().next();
        if (oldest.done === true) break;
        const [id, window] = oldest.value;
        this.#windows.delete(id);
        if (window.trailing) this.#poke(id, window.family);
      }
      this.#arm(now);
    }
    this.#poke(taskId, family);
  }

  #closeDue(now: number): void {
    const due: [string, Window][] = [];
    for (const entry of this.#windows) {
      if (entry[1].until > now) break;
      due.push(entry);
    }
    for (const [taskId, window] of due) {
      this.#windows.delete(taskId);
      // The trailing poke opens a window of its own, so a steady flood stays at one poke per interval.
      if (window.trailing) this.#open(taskId, window.family, now);
    }
  }

  #arm(now: number): void {
    const first = this.#windows.values().next();
    if (first.done === true) {
      this.#disarm();
      return;
    }
    const at = first.value.until;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#disarm();
    this.#timerAt = at;
    const timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      const t = this.#clock.now();
      this.#closeDue(t);
      this.#arm(t);
    }, Math.max(0, at - now));
    // A pending trailing poke must not keep a process alive that is otherwise done.
    (timer as { unref?: () => void } | undefined)?.unref?.();
    this.#timer = timer;
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }
}
