import type { WatchError } from '../errors.js';
import type { WatchResult, ProgressEvent } from '../events.js';
import type { FamilyRef } from '../families/index.js';
import type { TaskFamily } from '../families/family.js';
import type { HeapItem } from '../heap.js';
import type { Log } from '../logger.js';

export type Settlement = { readonly ok: true; readonly result: WatchResult<FamilyRef> } | { readonly ok: false; readonly error: WatchError };

/** One reason to keep polling a task: a waiter, an `updates()` stream, or a `watch()` call. Its deadline sits in the deadline heap. */
export interface Interest extends HeapItem {
  readonly task: TaskEntry;
  readonly kind: 'wait' | 'watch' | 'updates';
  readonly timeoutMs: number;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  readonly settle: (s: Settlement) => void;
  detach: (() => void) | undefined;
  /** The deadline passed before the next poll: the interest waits for one last answer, then times out. */
  lastPoll: boolean;
}

/**
 * Everything the engine knows about one task, as ONE flat record: 100k pending tasks must cost no more than a
 * map entry, this object and two heap slots. Each engine module owns its own fields (marked below) and the
 * record is never copied. It is the poll heap's item (`heapKey` = next poll time).
 */
export interface TaskEntry extends HeapItem {
  readonly family: TaskFamily;
  readonly taskId: string;
  // registry
  /** Monotonic ms when watching started (kept when a draining entry is adopted again). */
  readonly watchedAt: number;
  readonly interests: Set<Interest>;
  // scheduler
  /** A request for this task is outstanding. At most one ever is: a re-watched task adopts it. */
  inFlight: boolean;
  /** Rarely touched booleans, as bits (see {@link TaskFlag}): one small integer instead of six fields. */
  flags: number;
  // answers / retry
  polls: number;
  errors: number;
  invalid: number;
  rateStreak: number;
  /** Why the last attempt failed, `null` after a readable record. */
  lastReason: string | null;
  // progress
  status: string | null;
  progress: number | null;
  firstProgress: number;
  firstProgressAt: number;
  /** When progress last rose: the midpoint between the answer that showed it and the one before. */
  lastProgressAt: number;
  /** When the previous record answer arrived (-1: none yet). */
  lastAnswerAt: number;
  /** Epoch ms of the provider's `createTime` (read as UTC when it came without a zone: flag `ZONELESS`). */
  createTime: number | null;
  /** The model the record names, for the policy's per-model durations (`null`: none). */
  model: string | null;
  log: Log | undefined;
}

/**
 * Bits of {@link TaskEntry.flags}. A boolean field costs a pointer per task; 100k pending tasks are the budget
 * these records live in, and these are read far less often than a poll happens.
 */
export const TaskFlag = {
  /** Left the registry's task map (no interest, no request): a late answer only feeds the result cache. */
  DROPPED: 1,
  /** Poll as soon as the limits allow, whatever the policy said (a callback arrived); consumed by the next poll. */
  POKED: 2,
  /** The poll in flight (or the last one) was one a poke asked for. */
  LAST_POLL_POKED: 4,
  /** A callback is expected for this task (some interest said so): the policy may poll slowly. */
  EXPECT_CALLBACK: 8,
  /** `createTime` came from a time without a zone, read as UTC: trusted only as far as it is plausible. */
  ZONELESS: 16,
  /** The "undocumented status" warning was logged for this task already. */
  UNKNOWN_STATUS_LOGGED: 32,
  /** Some interest passed its deadline and waits for the next answer only (see `Interest.lastPoll`). */
  LAST_POLL: 64,
} as const;

export function hasFlag(task: TaskEntry, flag: number): boolean {
  return (task.flags & flag) !== 0;
}

export function setFlag(task: TaskEntry, flag: number, on = true): void {
  task.flags = on ? task.flags | flag : task.flags & ~flag;
}

export function newTaskEntry(family: TaskFamily, taskId: string, now: number): TaskEntry {
  return {
    family,
    taskId,
    watchedAt: now,
    interests: new Set(),
    inFlight: false,
    flags: 0,
    polls: 0,
    errors: 0,
    invalid: 0,
    rateStreak: 0,
    lastReason: null,
    status: null,
    progress: null,
    firstProgress: 0,
    firstProgressAt: 0,
    lastProgressAt: 0,
    lastAnswerAt: -1,
    createTime: null,
    model: null,
    log: undefined,
    heapKey: 0,
    heapSeq: 0,
    heapIndex: -1,
  };
}
