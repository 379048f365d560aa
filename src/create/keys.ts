/** Where a submit key stands. */
export type KeyRecord =
  | {
      /** The create was sent (or is about to be) and its answer is not in: here, or in a process that died. */
      readonly state: 'sending';
      /** The family whose create endpoint was called. */
      readonly family: string;
      /** Epoch ms when it was sent. */
      readonly sentAt: number | null;
      /**
       * Set when another live process of the fleet has it out: its answer is due within this many ms (look again).
       * Absent: no one is known to be waiting for the answer (a process that stopped), which reads as unknown.
       */
      readonly settlesInMs?: number | undefined;
    }
  | {
      /** The task exists. */
      readonly state: 'created';
      /** The family. */
      readonly family: string;
      /** The provider's taskId. */
      readonly taskId: string;
      /** Epoch ms when it was sent. */
      readonly sentAt: number | null;
    }
  | {
      /** The create was sent and its answer lost: the task may exist. */
      readonly state: 'unknown';
      /** The family. */
      readonly family: string;
      /** Epoch ms when it was sent. */
      readonly sentAt: number | null;
      /** What was seen instead of an answer. */
      readonly reason: string;
    };

/**
 * Submit keys as the submit queue sees them: written before each request is sent, so that no path (a
 * restart, another process of the fleet) can find a key "free" while its create may exist.
 */
export interface KeyBook {
  /** The key's record, `undefined` while it is free. */
  get(key: string): KeyRecord | undefined | Promise<KeyRecord | undefined>;
  /**
   * Marks the key `sending` unless it has a record already (then returns that record): called just before the
   * request leaves. `resubmit` replaces any record but `created` (an unknown outcome, a create of a process that stopped).
   */
  claim(key: string, family: string, sentAt: number, resubmit: boolean): KeyRecord | undefined | Promise<KeyRecord | undefined>;
  /** The create's outcome: `created` or `unknown`. */
  settle(key: string, record: KeyRecord): void | Promise<void>;
  /** Nothing was created (refused, or never sent): the key is free again. */
  release(key: string): void | Promise<void>;
}

/** How long a key is remembered in memory after its create. */
export const KEY_TTL_MS = 24 * 3_600_000;

/** Keys in memory, forgotten a day after their create (oldest first, swept as keys are claimed). */
export class MemoryKeyBook implements KeyBook {
  readonly #records = new Map<string, { record: KeyRecord; at: number }>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get(key: string): KeyRecord | undefined {
    return this.#records.get(key)?.record;
  }

  claim(key: string, family: string, sentAt: number, resubmit: boolean): KeyRecord | undefined {
    this.#sweep();
    const existing = this.#records.get(key)?.record;
    if (existing !== undefined && !(resubmit && existing.state !== 'created')) return existing;
    this.#records.delete(key);
    this.#records.set(key, { record: { state: 'sending', family, sentAt }, at: this.#now() });
    return undefined;
  }

  settle(key: string, record: KeyRecord): void {
    this.#records.set(key, { record, at: this.#records.get(key)?.at ?? this.#now() });
  }

  release(key: string): void {
    this.#records.delete(key);
  }

  #sweep(): void {
    const cutoff = this.#now() - KEY_TTL_MS;
    // Insertion order is claim order: stop at the first key young enough.
    for (const [key, { at }] of this.#records) {
      if (at > cutoff) break;
      this.#records.delete(key);
    }
  }
}
