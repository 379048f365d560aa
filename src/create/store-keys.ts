import type { PendingTaskStore, SubmitKeyRecord } from '../stores/pending-store.js';
import type { KeyBook, KeyRecord } from './keys.js';

type KeyStore = Required<Pick<PendingTaskStore, 'getSubmitKey' | 'setSubmitKey' | 'deleteSubmitKey'>> & Pick<PendingTaskStore, 'flush'>;

/** Whether `store` keeps submit keys (all three methods). */
export function keepsKeys(store: PendingTaskStore | undefined): store is PendingTaskStore & KeyStore {
  return store !== undefined && typeof store.getSubmitKey === 'function' && typeof store.setSubmitKey === 'function' && typeof store.deleteSubmitKey === 'function';
}

function toRecord(r: SubmitKeyRecord | undefined): KeyRecord | undefined {
  if (r === undefined) return undefined;
  const sentAt = typeof r.sentAt === 'number' ? r.sentAt : null;
  if (r.state === 'created' && typeof r.taskId === 'string') return { state: 'created', family: r.family, taskId: r.taskId, sentAt };
  if (r.state === 'unknown') return { state: 'unknown', family: r.family, sentAt, reason: r.reason ?? 'unknown outcome' };
  // `sending`, or anything a store could not read back: the create may exist.
  return { state: 'sending', family: r.family, sentAt };
}

/**
 * Submit keys in a `PendingTaskStore`. The `sending` record is written, and flushed, before the request leaves:
 * a process killed between sending and storing the answer leaves it `sending`, which a restarted watcher reads
 * as an unknown outcome, never as a free key.
 */
export class StoreKeyBook implements KeyBook {
  readonly #store: KeyStore;

  constructor(store: KeyStore) {
    this.#store = store;
  }

  get(key: string): KeyRecord | undefined {
    return toRecord(this.#store.getSubmitKey(key));
  }

  async claim(key: string, family: string, sentAt: number, resubmit: boolean): Promise<KeyRecord | undefined> {
    const existing = this.get(key);
    if (existing !== undefined && !(resubmit && existing.state !== 'created')) return existing;
    this.#store.setSubmitKey({ key, state: 'sending', family, sentAt });
    try {
      await this.#store.flush?.();
    } catch (err) {
      // Not on disk: the request must not leave, and the key is free again (nothing was sent).
      this.#store.deleteSubmitKey(key);
      throw err;
    }
    return undefined;
  }

  settle(key: string, record: KeyRecord): void {
    this.#store.setSubmitKey(
      record.state === 'created'
        ? { key, state: 'created', family: record.family, taskId: record.taskId, sentAt: record.sentAt }
        : record.state === 'unknown'
          ? { key, state: 'unknown', family: record.family, sentAt: record.sentAt, reason: record.reason }
          : { key, state: 'sending', family: record.family, sentAt: record.sentAt },
    );
  }

  release(key: string): void {
    this.#store.deleteSubmitKey(key);
  }
}
