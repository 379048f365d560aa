/** What a pending-task store remembers of a watched task, enough to resume watching after a restart. */
export interface PendingTaskInfo {
  /** The task being watched. */
  readonly taskId: string;
  /** Epoch ms when watching started. */
  readonly watchedAt: number;
  /** The task's family id (`[a-z0-9-]+`); stores read a missing one as `'gpt4o-image'`. */
  readonly family?: string | undefined;
}

/**
 * A submit key's record (see `watcher.submit()`), as a store keeps it. `sending` is written before the create
 * is sent; a store read after a restart that still says `sending` means the answer was never stored: the
 * watcher reads it as an unknown outcome, never as a free key.
 */
export interface SubmitKeyRecord {
  /** The submit key. */
  readonly key: string;
  /** `sending`: the create is (or was, before a crash) out; `created`: `taskId` exists; `unknown`: the answer was lost. */
  readonly state: 'sending' | 'created' | 'unknown';
  /** The family whose create endpoint was called. */
  readonly family: string;
  /** The created task, for `created`. */
  readonly taskId?: string | undefined;
  /** Epoch ms when the create was sent; `null` when unknown. */
  readonly sentAt: number | null;
  /** For `unknown`: what was seen instead of an answer. */
  readonly reason?: string | undefined;
}

/**
 * The pending set, as seen from outside the process. The watcher adds a task when it starts watching it and
 * deletes it once it settles, so a store that survives a restart can be handed to `watcher.resume()`.
 */
export interface PendingTaskStore {
  /** Watching `info.taskId` started; a task already listed keeps its first entry. */
  add(info: PendingTaskInfo): void;
  /** The task settled (or its last interest went): it no longer needs resuming. */
  delete(taskId: string): void;
  /** Every task to resume, as `watcher.resume()` reads them. */
  list(): Iterable<PendingTaskInfo>;
  /** Writes what is buffered, if the store buffers: `watcher.close()` awaits it, and `submit()` before each create leaves. */
  flush?(): Promise<void>;
  /** The record of a submit key; with the two below, `submit()` keeps its keys here instead of in memory. */
  getSubmitKey?(key: string): SubmitKeyRecord | undefined;
  /** Writes a submit key's record (replacing the key's last one). */
  setSubmitKey?(record: SubmitKeyRecord): void;
  /** Forgets a submit key: nothing was created for it. */
  deleteSubmitKey?(key: string): void;
}

/** The in-memory reference {@link PendingTaskStore}: what a persistent store must behave like. */
export class MemoryPendingTaskStore implements PendingTaskStore {
  readonly #tasks = new Map<string, PendingTaskInfo>();
  readonly #keys = new Map<string, SubmitKeyRecord>();

  /** {@inheritDoc PendingTaskStore.getSubmitKey} */
  getSubmitKey(key: string): SubmitKeyRecord | undefined {
    return this.#keys.get(key);
  }

  /** {@inheritDoc PendingTaskStore.setSubmitKey} */
  setSubmitKey(record: SubmitKeyRecord): void {
    this.#keys.set(record.key, record);
  }

  /** {@inheritDoc PendingTaskStore.deleteSubmitKey} */
  deleteSubmitKey(key: string): void {
    this.#keys.delete(key);
  }

  /** {@inheritDoc PendingTaskStore.add} */
  add(info: PendingTaskInfo): void {
    if (!this.#tasks.has(info.taskId)) this.#tasks.set(info.taskId, info);
  }

  /** {@inheritDoc PendingTaskStore.delete} */
  delete(taskId: string): void {
    this.#tasks.delete(taskId);
  }

  /** {@inheritDoc PendingTaskStore.list} */
  list(): Iterable<PendingTaskInfo> {
    return [...this.#tasks.values()];
  }
}
