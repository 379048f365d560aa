/** A decision of the creation limit. */
export type SlotDecision =
  | {
      /** A slot is taken: send now. */
      readonly allowed: true;
      /** The slot, to report the request's end (or that it never left) with. */
      readonly slot: string;
    }
  | {
      /** No slot yet. */
      readonly allowed: false;
      /** Ask again after this long at the latest (a request ending frees a slot sooner), ms. */
      readonly retryInMs: number;
    };

/**
 * The account's creation limit as the submit queue uses it: in process, or shared by a fleet (Redis).
 *
 * The provider counts creates where they arrive, and an arrival is only known to lie between the send and the
 * end of the request (its answer, or the client giving up). Each slot is therefore held until `windowMs` after
 * the latest moment its request can have arrived: while it is out, its send plus the longest a request may
 * take; once it has ended, the end. A new create is sent only while fewer than `requests` slots are held, so
 * no window at the provider can hold more than `requests` arrivals, however unevenly requests travel (a cold
 * connection, a stalled event loop) and however slowly they are answered.
 */
export interface CreationLimit {
  /** Takes one slot now, or says when to ask again. */
  take(): SlotDecision | Promise<SlotDecision>;
  /**
   * The slot's request ended now (its answer came, or the client gave up): it arrived by now plus `marginMs`, the
   * margin for bytes still on the wire. Each limit dates it on its own clock (Redis time for a fleet's).
   */
  ended(slot: string, marginMs: number): void | Promise<void>;
  /** The slot's request never left (connection refused): the provider did not count it. */
  giveBack(slot: string): void | Promise<void>;
  /** Stops (a fleet limit closes what it opened). */
  close?(): Promise<void>;
}

/** The in-process creation limit (see {@link CreationLimit}). */
export class HeldSlotsWindow implements CreationLimit {
  readonly #requests: number;
  readonly #windowMs: number;
  /** The longest a request may be out before it has surely arrived (connect plus the request timeout). */
  readonly #maxOutMs: number;
  readonly #now: () => number;
  /** Slot -> the latest its request can have arrived (epoch ms). At most `requests` entries. */
  readonly #held = new Map<string, number>();
  #next = 0;

  constructor(requests: number, windowMs: number, maxOutMs: number, now: () => number) {
    this.#requests = requests;
    this.#windowMs = windowMs;
    this.#maxOutMs = maxOutMs;
    this.#now = now;
  }

  take(): SlotDecision {
    const now = this.#now();
    const cutoff = now - this.#windowMs;
    let soonest = Infinity;
    for (const [slot, arrivedBy] of this.#held) {
      if (arrivedBy <= cutoff) this.#held.delete(slot);
      else soonest = Math.min(soonest, arrivedBy);
    }
    if (this.#held.size >= this.#requests) return { allowed: false, retryInMs: Math.max(1, soonest - cutoff) };
    const slot = `s${(this.#next += 1)}`;
    this.#held.set(slot, now + this.#maxOutMs);
    return { allowed: true, slot };
  }

  ended(slot: string, marginMs: number): void {
    const endedAt = this.#now() + marginMs;
    const by = this.#held.get(slot);
    if (by !== undefined && endedAt < by) this.#held.set(slot, endedAt);
  }

  giveBack(slot: string): void {
    this.#held.delete(slot);
  }
}
