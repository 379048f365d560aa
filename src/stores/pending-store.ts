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
  /** Writes what is buffered, if the store buffers: `watcher.close()` awaits it. */
  flush?(): Promise<void>;
}

/** The in-memory reference {@link PendingTaskStore}: what a persistent store must behave like. */
export class MemoryPendingTaskStore implements PendingTaskStore {
  readonly #tasks = new Map<string, PendingTaskInfo>();

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
