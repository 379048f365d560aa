/** How many recent callback-expecting tasks the miss rate is taken over. */
const WINDOW = 64;
/** Fewer ends than this say too little to act on. */
const MIN_SAMPLES = 8;
/**
 * How long after a scheduled poll found an end its callback may still arrive and count as delivered. A callback
 * leaves the provider after the record is final, so a scheduled poll that lands in between finds the end first;
 * counting that as a lost callback would read a watchful schedule's own luck as missing callbacks (at 4.5 s
 * polls and a 0.2 s trip, one end in twenty) and keep it watchful. The provider waits up to 15 s for a
 * callback's answer before it retries.
 */
export const CALLBACK_GRACE_MS = 15_000;
/** Ends waiting for their callback, at most: past it the oldest is judged a miss early. */
const MAX_UNDECIDED = 1_024;

/**
 * Of the recent tasks that expected a callback, which ended without their callback: a ring of booleans, so the
 * estimate follows the provider's delivery as it changes. An end a poke announced is a hit at once; an end a
 * scheduled poll found waits {@link CALLBACK_GRACE_MS} for its late callback before it counts as a miss.
 */
export class CallbackMisses {
  readonly #ring: boolean[] = [];
  #next = 0;
  #misses = 0;
  /** Ends a scheduled poll found, by task key, with the time their callback stops counting; oldest first. */
  readonly #undecided = new Map<string, number>();

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

  /** The share of misses at `now`, `null` while there are fewer than a handful of decided ends. */
  rate(now: number): number | null {
    this.#decide(now, Infinity);
    return this.#ring.length < MIN_SAMPLES ? null : this.#misses / this.#ring.length;
  }

  /** Judges as misses the undecided ends whose grace ended before `now`, `limit` at most. */
  #decide(now: number, limit: number): void {
    let n = 0;
    for (const [key, until] of this.#undecided) {
      if (until >= now || n >= limit) return;
      this.#undecided.delete(key);
      this.#record(true);
      n += 1;
    }
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
