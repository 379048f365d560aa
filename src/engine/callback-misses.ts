/** How many recent callback-expecting tasks the miss rate is taken over. */
const WINDOW = 64;
/**
 * The belief that callbacks arrive weighs as this many delivered ends: until that many ends are decided, the rate
 * is misses / this, so the first tasks already get the slow safety net when callbacks arrive, and the first
 * misses still move the rate fast (1 of 8 is the watchful net, 5 the ordinary schedule).
 */
const PRIOR_ENDS = 8;
/**
 * How long after a scheduled poll found an end its callback may still arrive and count as delivered. A callback
 * leaves the provider after the record is final, so a scheduled poll that lands in between finds the end first;
 * counting that as a lost callback would read a watchful schedule's own luck as missing callbacks (at 4.5 s
 * polls and a 0.2 s trip, one end in twenty) and keep it watchful. The provider waits up to 15 s for a
 * callback's answer before it retries.
 */
export const CALLBACK_GRACE_MS = 15_000;
/** Ends waiting for their callback, at most: past it the oldest is judged early. */
const MAX_UNDECIDED = 1_024;

/**
 * In a fleet: whether a callback came for each taskId, wherever it landed (another process, a serverless
 * handler). Resolves in order; a rejection leaves those ends undecided for good (no evidence either way).
 */
export type AskFleet = (taskIds: readonly string[]) => Promise<readonly boolean[]>;

/**
 * Of the recent tasks that expected a callback, which ended without their callback: a ring of booleans, so the
 * estimate follows the provider's delivery as it changes. An end a poke announced is a hit at once; an end a
 * scheduled poll found waits {@link CALLBACK_GRACE_MS} for its late callback, then (in a fleet) asks whether
 * the callback reached another process, before it counts as a miss.
 */
export class CallbackMisses {
  readonly #ring: boolean[] = [];
  #next = 0;
  #misses = 0;
  /** Ends a scheduled poll found, by task key, with the time their callback stops counting; oldest first. */
  readonly #undecided = new Map<string, number>();
  readonly #ask: AskFleet | undefined;

  constructor(ask?: AskFleet) {
    this.#ask = ask;
  }

  /** An end that a poke announced: the callback arrived. */
  announced(): void {
    this.#record(false);
  }

  /** An end that a scheduled poll found, at `now`: a miss unless `lateCallback(key)` follows within the grace. */
  found(key: string, now: number): void {
    this.#undecided.delete(key);
    this.#undecided.set(key, now + CALLBACK_GRACE_MS);
    if (this.#undecided.size > MAX_UNDECIDED) this.#decide(Infinity, 1);
  }

  /** A callback for a task no longer watched here: if its end was found without it, it was not lost after all. */
  lateCallback(key: string, now: number): void {
    const until = this.#undecided.get(key);
    if (until === undefined) return;
    this.#undecided.delete(key);
    this.#record(until < now);
  }

  /** The share of misses at `now`, the first ends weighed against the belief that callbacks arrive. */
  rate(now: number): number {
    this.#decide(now, Infinity);
    return this.#misses / Math.max(this.#ring.length, PRIOR_ENDS);
  }

  /** Judges the undecided ends whose grace ended before `now`, `limit` at most: misses, or the fleet's answer. */
  #decide(now: number, limit: number): void {
    const keys: string[] = [];
    for (const [key, until] of this.#undecided) {
      if (until >= now || keys.length >= limit) break;
      keys.push(key);
    }
    for (const key of keys) this.#undecided.delete(key);
    if (keys.length === 0) return;
    if (this.#ask === undefined) {
      for (let i = 0; i < keys.length; i++) this.#record(true);
      return;
    }
    this.#ask(keys.map((k) => k.slice(k.indexOf('\n') + 1))).then(
      (seen) => keys.forEach((_, i) => this.#record(seen[i] !== true)),
      () => undefined,
    );
  }

  #record(missed: boolean): void {
    if (this.#ring.length < WINDOW) {
      this.#ring.push(missed);
    } else {
      if (this.#ring[this.#next]) this.#misses -= 1;
      this.#ring[this.#next] = missed;
      this.#next = (this.#next + 1) % WINDOW;
    }
    if (missed) this.#misses += 1;
  }
}
