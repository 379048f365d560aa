/** How many recent callback-expecting tasks the miss rate is taken over. */
const WINDOW = 64;
/** Fewer ends than this say too little to act on. */
const MIN_SAMPLES = 8;

/**
 * Of the recent tasks that expected a callback, which ended without one having asked for the poll that found
 * the end: a ring of booleans, so the estimate follows the provider's delivery as it changes.
 */
export class CallbackMisses {
  readonly #ring: boolean[] = [];
  #next = 0;
  #misses = 0;

  /** Records one end: `missed` when a scheduled poll, not a poke, found it. */
  record(missed: boolean): void {
    if (this.#ring.length < WINDOW) {
      this.#ring.push(missed);
    } else {
      if (this.#ring[this.#next]) this.#misses -= 1;
      this.#ring[this.#next] = missed;
      this.#next = (this.#next + 1) % WINDOW;
    }
    if (missed) this.#misses += 1;
  }

  /** The share of misses, `null` while there are fewer than a handful of ends. */
  get rate(): number | null {
    return this.#ring.length < MIN_SAMPLES ? null : this.#misses / this.#ring.length;
  }
}
