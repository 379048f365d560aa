import { gcraAllowedAt, gcraTake, type GcraParams } from './gcra.js';

/**
 * Per-task rate state, asked just before every request (retries included). Times are epoch ms from the
 * watcher's clock. The watcher never sends a request the limiter did not allow: a `take` that throws counts as
 * a refusal (retried after the per-task interval, the error reported as an `error` event), and a refusal whose
 * `retryAt` is not at least 50 ms ahead is deferred by 50 ms, so a limiter cannot make the scheduler spin.
 * `take` must answer synchronously: a Promise (or any other shape) is a refusal, reported once.
 */
export interface TaskRateLimiter {
  /** Takes one request slot for `taskId` at `now` (epoch ms), or says when (epoch ms) one will be free. */
  take(
    taskId: string,
    now: number,
  ):
    | {
        /** The slot is taken: send the request now. */
        readonly allowed: true;
      }
    | {
        /** No slot yet. */
        readonly allowed: false;
        /** When (same clock as `now`) a slot will be free. */
        readonly retryAt: number;
      };
  /** The earliest time a request for `taskId` could be allowed. */
  allowedAt(taskId: string, now: number): number;
  /**
   * The task is no longer watched. Its state must outlive its last request's window: a task watched again
   * at once must still wait its turn.
   */
  forget(taskId: string, now: number): void;
}

/** A plain Map of TAT numbers: ~100 B per task, no object or timer per task. */
export class MemoryTaskRateLimiter implements TaskRateLimiter {
  readonly #tat = new Map<string, number>();
  readonly #params: GcraParams;
  /** Forgotten keys whose TAT is still in the future, oldest first; swept as time passes. */
  readonly #forgotten: { taskId: string; tat: number }[] = [];
  #forgottenHead = 0;

  constructor(params: GcraParams) {
    this.#params = params;
  }

  /** {@inheritDoc TaskRateLimiter.take} */
  take(taskId: string, now: number): ReturnType<TaskRateLimiter['take']> {
    this.#sweep(now);
    const d = gcraTake(this.#tat.get(taskId), now, this.#params);
    if (!d.allowed) return d;
    this.#tat.set(taskId, d.tat);
    return { allowed: true };
  }

  allowedAt(taskId: string, now: number): number {
    return gcraAllowedAt(this.#tat.get(taskId), now, this.#params);
  }

  forget(taskId: string, now: number): void {
    this.#sweep(now);
    const tat = this.#tat.get(taskId);
    if (tat === undefined) return;
    // With burst 1 a TAT in the past equals no state at all, so only a future one needs keeping.
    if (tat <= now) this.#tat.delete(taskId);
    else this.#forgotten.push({ taskId, tat });
  }

  #sweep(now: number): void {
    const q = this.#forgotten;
    while (this.#forgottenHead < q.length) {
      const head = q[this.#forgottenHead] as { taskId: string; tat: number };
      if (head.tat > now) break;
      // Only delete if the key was not taken again since it was forgotten.
      if (this.#tat.get(head.taskId) === head.tat) this.#tat.delete(head.taskId);
      this.#forgottenHead += 1;
    }
    if (this.#forgottenHead > 1024 && this.#forgottenHead * 2 > q.length) {
      q.splice(0, this.#forgottenHead);
      this.#forgottenHead = 0;
    }
  }

  /** Tasks with rate state held: watched ones, plus forgotten ones whose last interval has not passed. */
  get size(): number {
    return this.#tat.size;
  }
}
