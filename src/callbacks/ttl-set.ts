/**
 * A set whose members expire after a fixed TTL, capped in size. With one TTL for all, insertion order is
 * expiry order, so expired members are pruned from the front in amortised O(1) and no timer is needed.
 */
export class TtlSet {
  readonly #expiries = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(ttlMs: number, maxEntries: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get size(): number {
    return this.#expiries.size;
  }

  /** Adds `key`; `false` when it is already a live member (its expiry is then left as it was). */
  add(key: string): boolean {
    const now = this.#now();
    for (const [member, expiresAt] of this.#expiries) {
      if (expiresAt > now) break;
      this.#expiries.delete(member);
    }
    const expiresAt = this.#expiries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#expiries.delete(key);
    this.#expiries.set(key, now + this.#ttlMs);
    // Over the cap the oldest go first: forgetting one only lets a late replay through, which costs one poke.
    while (this.#expiries.size > this.#maxEntries) {
      const oldest = this.#expiries.keys().next();
      if (oldest.done === true) break;
      this.#expiries.delete(oldest.value);
    }
    return true;
  }

  /** Forgets `key` (a delivery that could not be passed on: its next delivery must not count as a replay). */
  delete(key: string): void {
    this.#expiries.delete(key);
  }

  clear(): void {
    this.#expiries.clear();
  }
}
