import type { TaskState } from './record.js';
import type { SimulatorLogger } from './types.js';

/**
 * The provider's per-task limit, measured as the server sees it: arrivals per task in a sliding window. Every
 * request counts, whichever family's path it arrives on and whatever it is answered with.
 */
export class RateWindows {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxTracked: number;
  readonly #logger: SimulatorLogger | undefined;
  violations = 0;
  maxRequestsInWindow = 0;

  constructor(limit: number, windowMs: number, logger: SimulatorLogger | undefined) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('perTaskLimit must be an integer >= 1');
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('perTaskWindowMs must be > 0');
    this.#limit = limit;
    this.#windowMs = windowMs;
    // Bounds memory for a client hammering one task; the window count saturates there.
    this.#maxTracked = Math.max(1024, limit + 1);
    this.#logger = logger;
  }

  /** Counts one arrival for `task` at `now`; `true` if it breaks the per-task limit. */
  count(task: TaskState, now: number): boolean {
    const arrivals = task.arrivals;
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < arrivals.length && (arrivals[drop] ?? Infinity) <= cutoff) drop++;
    if (drop > 0) arrivals.splice(0, drop);
    arrivals.push(now);
    if (arrivals.length > this.#maxTracked) arrivals.shift();
    task.requests++;
    const inWindow = arrivals.length;
    if (inWindow > this.maxRequestsInWindow) this.maxRequestsInWindow = inWindow;
    if (inWindow > this.#limit) {
      task.violations++;
      this.violations++;
      this.#logger?.debug({ taskId: task.taskId, inWindow, limit: this.#limit }, 'per-task rate limit violated');
      return true;
    }
    return false;
  }

  /** Zeroes the statistics; the arrival rings stay, since they enforce the limit. */
  resetStats(): void {
    this.violations = 0;
    this.maxRequestsInWindow = 0;
  }
}
