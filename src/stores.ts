import { gcraAllowedAt, gcraTake, type GcraParams } from './gcra.js';

/**
 * Per-task rate state, asked just before every request (retries included). Times are epoch ms from the
 * watcher's clock. The watcher never sends a request the limiter did not allow: a `take` that throws counts as
 * a refusal (retried after the per-task interval, the error reported as an `error` event), and a refusal whose
 * `retryAt` is not at least 50 ms ahead is deferred by 50 ms, so a limiter cannot make the scheduler spin.
 */
export interface TaskRateLimiter {
  /** Takes one request slot for `taskId` at `now` (epoch ms), or says when (epoch ms) one will be free. */
  take(
    taskId: string,
    now: number,
  ):
    | {
        /** The slot is taken: send the request now. */
        readonly allowed: true;
      }
    | {
        /** No slot yet. */
        readonly allowed: false;
        /** When (same clock as `now`) a slot will be free. */
        readonly retryAt: number;
      };
  /** The earliest time a request for `taskId` could be allowed. */
  allowedAt(taskId: string, now: number): number;
  /**
   * The task is no longer watched. Its state must outlive its last request's window: a task watched again
   * at once must still wait its turn.
   */
  forget(taskId: string, now: number): void;
}

/** A plain Map of TAT numbers: ~100 B per task, no object or timer per task. */
export class MemoryTaskRateLimiter implements TaskRateLimiter {
  readonly #tat = new Map<string, number>();
  readonly #params: GcraParams;
  /** Forgotten keys whose TAT is still in the future, oldest first; swept as time passes. */
  readonly #forgotten: { taskId: string; tat: number }[] = [];
  #forgottenHead = 0;

  constructor(params: GcraParams) {
    this.#params = params;
  }

  /** {@inheritDoc TaskRateLimiter.take} */
  take(taskId: string, now: number): ReturnType<TaskRateLimiter['take']> {
    this.#sweep(now);
    const d = gcraTake(this.#tat.get(taskId), now, this.#params);
    if (!d.allowed) return d;
    this.#tat.set(taskId, d.tat);
    return { allowed: true };
  }

  allowedAt(taskId: string, now: number): number {
    return gcraAllowedAt(this.#tat.get(taskId), now, this.#params);
  }

  forget(taskId: string, now: number): void {
    this.#sweep(now);
    const tat = this.#tat.get(taskId);
    if (tat === undefined) return;
    // With burst 1 a TAT in the past equals no state at all, so only a future one needs keeping.
    if (tat <= now) this.#tat.delete(taskId);
    else this.#forgotten.push({ taskId, tat });
  }

  #sweep(now: number): void {
    const q = this.#forgotten;
    while (this.#forgottenHead < q.length) {
      const head = q[this.#forgottenHead] as { taskId: string; tat: number };
      if (head.tat > now) break;
      // Only delete if the key was not taken again since it was forgotten.
      if (this.#tat.get(head.taskId) === head.tat) this.#tat.delete(head.taskId);
      this.#forgottenHead += 1;
    }
    if (this.#forgottenHead > 1024 && this.#forgottenHead * 2 > q.length) {
      q.splice(0, this.#forgottenHead);
      this.#forgottenHead = 0;
    }
  }

  /** Tasks with rate state held: watched ones, plus forgotten ones whose last interval has not passed. */
  get size(): number {
    return this.#tat.size;
  }
}

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
