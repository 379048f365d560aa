import { gcraAllowedAt, gcraTake, type GcraParams } from './gcra.js';

/** 429s from this many distinct tasks within {@link STORM_WINDOW_MS} mean the account, not one task, is limited. */
const STORM_TASKS = 2;
const STORM_WINDOW_MS = 1_000;

/**
 * The account-wide side of rate limiting: an optional requests-per-second budget (one GCRA bucket for the
 * whole process) and a pause that an account-wide 429 storm or an HTTP 429 from a proxy imposes on every task.
 */
export class AccountBudget {
  readonly #params: GcraParams | null;
  #tat: number | undefined;
  #pausedUntil = -Infinity;
  #streak = 0;
  /** The last few 429s (time, taskId), enough to tell one hot task from an account-wide storm. */
  readonly #recent: { at: number; taskId: string }[] = [];

  constructor(requestsPerSecond: number | null) {
    // A burst of one second's budget keeps the bucket smooth without letting a cold start flood the API.
    this.#params = requestsPerSecond === null ? null : { intervalMs: 1000 / requestsPerSecond, burst: Math.max(1, Math.floor(requestsPerSecond)) };
  }

  /** Earliest time the next request may go. */
  allowedAt(now: number): number {
    const budget = this.#params === null ? now : gcraAllowedAt(this.#tat, now, this.#params);
    return Math.max(budget, this.#pausedUntil);
  }

  /** Records a request sent at `now` (the caller checked `allowedAt`). */
  take(now: number): void {
    if (this.#params === null) return;
    const d = gcraTake(this.#tat, now, this.#params);
    if (d.allowed) this.#tat = d.tat;
  }

  onAnswer(): void {
    this.#streak = 0;
  }

  /**
   * Registers a 429. Returns the account-wide pause it imposes (ms), or `null` when it looks like one task
   * being polled too fast (another process sharing the key): then only that task slows down.
   */
  on429(now: number, taskId: string, source: 'http' | 'body', retryAfterMs: number | null, backoff: (attempt: number) => number): number | null {
    this.#recent.push({ at: now, taskId });
    while (this.#recent.length > 0 && (this.#recent[0] as { at: number }).at < now - STORM_WINDOW_MS) this.#recent.shift();
    if (this.#recent.length > 16) this.#recent.shift();
    const distinct = new Set(this.#recent.map((r) => r.taskId)).size;
    if (source !== 'http' && distinct < STORM_TASKS) return null;
    this.#streak += 1;
    const pause = retryAfterMs ?? backoff(this.#streak);
    this.#pausedUntil = Math.max(this.#pausedUntil, now + pause);
    return pause;
  }
}
