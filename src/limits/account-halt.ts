import type { Clock } from '../clock.js';
import type { KieApiError } from '../errors.js';
import { haltErrorFor } from '../engine/registry.js';
import type { Settlement, TaskEntry } from '../engine/task.js';

/**
 * How long a poll held back by a halt waits before asking again: how late, at most, the other waits' polls go
 * after a probe ended the halt. Held polls exist only while a probe is out, and asking costs no request.
 */
const HOLD_MS = 250;

/**
 * The account-wide stop after a 401 or 402: no request goes while the key or the account is refused. It ends
 * by `clear()` (the user topped up, or fixed the key), or by one probing request that the API does not refuse:
 * the first new interest after `cooldownMs` arms a probe, and the first request the scheduler starts after that
 * is it. Requests of other tasks wait for its answer, so a top-up costs one request to find out however many
 * waits start at once, and an account left empty one 401/402 per cooldown. With a coordinator the cooldown is
 * infinite: the halted process has left the fleet (docs/errors.md).
 */
export class AccountHalt {
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  #error: KieApiError | undefined;
  #since = 0;
  #probe: 'none' | 'armed' | 'out' = 'none';
  /** The task whose request is the probe; after an inconclusive answer its retry is the next one. */
  #probeTask: TaskEntry | undefined;

  constructor(cooldownMs: number, clock: Clock) {
    this.#cooldownMs = cooldownMs;
    this.#clock = clock;
  }

  get error(): KieApiError | undefined {
    return this.#error;
  }

  /** A 401/402: the halt starts, or starts again after a refused probe. */
  begin(error: KieApiError): void {
    this.#error = error;
    this.#since = this.#clock.now();
    this.#probe = 'none';
    this.#probeTask = undefined;
  }

  /** Ends the halt (if any) at once. */
  clear(): void {
    this.#error = undefined;
    this.#probe = 'none';
    this.#probeTask = undefined;
  }

  /**
   * A new interest in a task: its refusal (halted, cooldown running: the error names that task), or `undefined`
   * when it may be watched: no halt, or after the cooldown (the first such interest arms the probe; later ones
   * wait for its answer).
   */
  refuses(family: string, taskId: string): Extract<Settlement, { ok: false }> | undefined {
    if (this.#error === undefined || this.#probe !== 'none') return undefined;
    if (this.#clock.now() - this.#since < this.#cooldownMs) return { ok: false, error: haltErrorFor(this.#error, family, taskId) };
    this.#probe = 'armed';
    return undefined;
  }

  /**
   * `undefined` when `task`'s request may go now, else the epoch time to ask again. While a probe is armed, the
   * task of the last inconclusive probe goes (its retry), or, when that task is gone or there was none, the
   * first task asked.
   */
  holds(task: TaskEntry): number | undefined {
    if (this.#error === undefined) return undefined;
    const last = this.#probeTask;
    if (this.#probe !== 'armed' || (last !== undefined && last !== task && last.interests.size > 0)) return this.#clock.epochNow() + HOLD_MS;
    this.#probe = 'out';
    this.#probeTask = task;
    return undefined;
  }

  /**
   * Whether the answer to `task`'s request is to be dropped: it went out before the halt (the halt already
   * settled its waiters). The probe's answer is kept, and decides: any answer of the API but a 401/402
   * (`refusedAgain`, which halts again through `begin`) ends the halt; none (`transport`: a network error;
   * `transient`: a 5xx; a 429) proves nothing, and the task's own retry is the next probe.
   */
  drops(task: TaskEntry, kind: string, refusedAgain: boolean): boolean {
    if (this.#error === undefined) return false;
    if (this.#probe !== 'out' || this.#probeTask !== task) return true;
    if (refusedAgain) return false;
    if (kind === 'transport' || kind === 'transient' || kind === 'rate-limited') this.#probe = 'armed';
    else this.clear();
    return false;
  }
}
