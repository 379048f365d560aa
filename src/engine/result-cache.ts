import type { Settlement } from './task.js';

/**
 * Settled outcomes kept for late waiters: a `waitForCompletion` that starts after its task finished settles at
 * once, without a request. Bounded by age and by size; Map iteration order is insertion order, so evicting the
 * first key evicts the oldest.
 */
export class ResultCache {
  readonly #entries = new Map<string, { readonly settlement: Settlement; readonly expiresAt: number }>();
  readonly #ttlMs: number;
  readonly #size: number;

  constructor(ttlMs: number, size: number) {
    this.#ttlMs = ttlMs;
    this.#size = size;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): Settlement | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return hit.settlement;
  }

  set(key: string, settlement: Settlement, now: number): void {
    if (this.#size === 0 || this.#ttlMs === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { settlement, expiresAt: now + this.#ttlMs });
    if (this.#entries.size > this.#size) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  clear(): void {
    this.#entries.clear();
  }
}
