import {
  CallbackError,
  InvalidResponseError,
  KieApiError,
  TaskFailedError,
  TransportError,
  WatchTimeoutError,
  WatcherClosedError,
  AbortError,
  type KieWatcherError,
  type WatchError,
} from '../errors.js';
import type { ProgressEvent, TaskState } from '../events.js';
import { hasFlag, setFlag, TaskFlag, type Settlement, type TaskEntry } from '../engine/task.js';

/*
 * What crosses between processes of a fleet, as JSON: a task's poll state (so whichever process claims it next
 * keeps its progress, retry streaks and ETA), its final settlement, and progress events. Times cross as epoch
 * ms: each process's monotonic clock is its own.
 */

/**
 * The poll state of a task is stored once per pending task, in the task's Redis hash. Redis keeps a small
 * hash as one compact listpack only while every value is at most 64 bytes (`hash-max-listpack-value`):
 * a longer value turns it into a hash table, which costs about 360 more bytes per task (measured:
 * bench/fleet-store.mjs), and Redis never converts it back. So the state is a JSON array, by position, with
 * times in tenths of a second relative to the fleet's `watchedAt` of the task (short numbers; they feed
 * estimates, not the rate limit, which lives in Redis), trailing defaults left out, and the retry reason cut
 * to what still fits:
 * `[polls, flags, lastAnswerAt, status, progress, firstProgress, firstProgressAt, lastProgressAt,
 *   createTime, errors, invalid, rateStreak, lastReason]`.
 */
type StateArray = unknown[];

const STATE_MAX_BYTES = 64;
const TICK_MS = 100;

/** Bits of the state's `flags` slot. */
const S_ZONELESS = 1;
const S_EXPECT_CALLBACK = 2;
const S_UNKNOWN_LOGGED = 4;

/** Monotonic ms to epoch ms and back, at one instant. */
export interface TimeBase {
  readonly now: number;
  readonly epochNow: number;
}

const toEpoch = (mono: number, t: TimeBase): number => Math.round(t.epochNow - (t.now - mono));
const toMono = (epoch: number, t: TimeBase): number => t.now - (t.epochNow - epoch);

/** `watchedAt`: the fleet's epoch ms for the task (the claim's), which every process reads the same. */
export function encodeState(task: TaskEntry, t: TimeBase, watchedAt: number): string {
  const rel = (mono: number): number => Math.round((toEpoch(mono, t) - watchedAt) / TICK_MS);
  let flags = 0;
  if (hasFlag(task, TaskFlag.ZONELESS)) flags |= S_ZONELESS;
  if (hasFlag(task, TaskFlag.EXPECT_CALLBACK)) flags |= S_EXPECT_CALLBACK;
  if (hasFlag(task, TaskFlag.UNKNOWN_STATUS_LOGGED)) flags |= S_UNKNOWN_LOGGED;
  const hasProgress = task.progress !== null;
  const a: StateArray = [
    task.polls,
    flags,
    task.lastAnswerAt >= 0 ? rel(task.lastAnswerAt) : null,
    task.status,
    task.progress,
    hasProgress ? task.firstProgress : null,
    hasProgress ? rel(task.firstProgressAt) : null,
    hasProgress ? rel(task.lastProgressAt) : null,
    task.createTime === null ? null : Math.round((task.createTime - watchedAt) / TICK_MS),
    task.errors,
    task.invalid,
    task.rateStreak,
    task.lastReason,
  ];
  let n = a.length;
  while (n > 1 && (a[n - 1] === null || a[n - 1] === 0)) n--;
  a.length = n;
  let json = JSON.stringify(a);
  const reason = task.lastReason;
  if (reason !== null && Buffer.byteLength(json) > STATE_MAX_BYTES) {
    // The reason is the last slot. Bytes, not characters, count: a reason may hold non-ASCII text.
    let keep = Math.max(0, reason.length - (Buffer.byteLength(json) - STATE_MAX_BYTES));
    do {
      a[a.length - 1] = reason.slice(0, keep);
      json = JSON.stringify(a);
    } while (Buffer.byteLength(json) > STATE_MAX_BYTES && keep-- > 0);
  }
  return json;
}

/** Loads a claimed task's state into its entry; a state that cannot be read leaves the entry as it is. */
export function decodeState(json: string | null, task: TaskEntry, t: TimeBase, watchedAt: number): void {
  if (json === null || json === '') return;
  let a: unknown;
  try {
    a = JSON.parse(json);
  } catch {
    return;
  }
  if (!Array.isArray(a)) return;
  const num = (i: number): number | null => {
    const v: unknown = a[i];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const mono = (i: number, d: number): number => {
    const v = num(i);
    return v === null ? d : toMono(watchedAt + v * TICK_MS, t);
  };
  task.polls = num(0) ?? task.polls;
  const flags = num(1) ?? 0;
  setFlag(task, TaskFlag.ZONELESS, (flags & S_ZONELESS) !== 0);
  if ((flags & S_EXPECT_CALLBACK) !== 0) setFlag(task, TaskFlag.EXPECT_CALLBACK);
  if ((flags & S_UNKNOWN_LOGGED) !== 0) setFlag(task, TaskFlag.UNKNOWN_STATUS_LOGGED);
  if (num(2) !== null) task.lastAnswerAt = mono(2, task.lastAnswerAt);
  if (typeof a[3] === 'string') task.status = a[3];
  const progress = num(4);
  if (progress !== null) {
    task.progress = progress;
    task.firstProgress = num(5) ?? progress;
    task.firstProgressAt = mono(6, t.now);
    task.lastProgressAt = mono(7, t.now);
  }
  const ct = num(8);
  if (ct !== null) task.createTime = watchedAt + ct * TICK_MS;
  task.errors = num(9) ?? 0;
  task.invalid = num(10) ?? 0;
  task.rateStreak = num(11) ?? 0;
  task.lastReason = typeof a[12] === 'string' ? a[12] : null;
}

/** A settlement with the owner that produced it, so that the owner skips its own echo. */
interface SettlementBlob {
  o: string;
  ok: boolean;
  result?: unknown;
  error?: Record<string, unknown>;
}

export function encodeSettlement(settlement: Settlement, owner: string): string {
  if (settlement.ok) return JSON.stringify({ o: owner, ok: true, result: settlement.result } satisfies SettlementBlob);
  const e = settlement.error;
  // Own enumerable fields (code, taskId, family, status, providerCode, ...) plus the message; `cause` is local.
  const error: Record<string, unknown> = { name: e.name, message: e.message };
  for (const [k, v] of Object.entries(e)) if (k !== 'cause') error[k] = v;
  return JSON.stringify({ o: owner, ok: false, error } satisfies SettlementBlob);
}

/** The settlement another process reached; `null` when it cannot be read (the local poll goes on). */
export function decodeSettlement(json: string): { readonly owner: string; readonly settlement: Settlement } | null {
  let b: SettlementBlob;
  try {
    b = JSON.parse(json) as SettlementBlob;
  } catch {
    return null;
  }
  if (typeof b !== 'object' || b === null || typeof b.o !== 'string') return null;
  if (b.ok) {
    if (typeof b.result !== 'object' || b.result === null) return null;
    return { owner: b.o, settlement: { ok: true, result: b.result as Extract<Settlement, { ok: true }>['result'] } };
  }
  const error = reviveError(b.error ?? {});
  return error === null ? null : { owner: b.o, settlement: { ok: false, error } };
}

/** Rebuilds an error of the right class, with the fields it had in the process that raised it. */
function reviveError(f: Record<string, unknown>): WatchError | null {
  const str = (k: string): string => (typeof f[k] === 'string' ? (f[k] as string) : '');
  const taskId = str('taskId');
  const family = typeof f['family'] === 'string' ? (f['family'] as string) : undefined;
  let error: KieWatcherError;
  switch (f['code']) {
    case 'KIE_TASK_FAILED':
      error = new TaskFailedError({
        taskId,
        family: family ?? '',
        status: (f['status'] as string | null) ?? null,
        successFlag: (f['successFlag'] as number | null) ?? null,
        errorCode: (f['errorCode'] as number | string | null) ?? null,
        errorMessage: (f['errorMessage'] as string | null) ?? null,
        record: f['record'] ?? null,
      });
      break;
    case 'KIE_API_ERROR':
      error = new KieApiError({
        taskId,
        family,
        providerCode: Number(f['providerCode']),
        providerMessage: str('providerMessage'),
        httpStatus: Number(f['httpStatus']),
        accountWide: f['accountWide'] === true,
        message: str('message'),
      });
      break;
    case 'KIE_INVALID_RESPONSE':
      error = new InvalidResponseError(taskId, '', Array.isArray(f['issues']) ? (f['issues'] as never[]) : [], (f['httpStatus'] as number | null) ?? null, family);
      break;
    case 'KIE_TRANSPORT_ERROR':
      error = new TransportError(taskId, Number(f['attempts']), new Error(str('message')), family);
      break;
    case 'KIE_WATCH_TIMEOUT':
      error = new WatchTimeoutError(taskId, Number(f['timeoutMs']), { family, lastStatus: null, lastProgress: null });
      break;
    case 'KIE_ABORTED':
      error = new AbortError(taskId, undefined, family);
      break;
    case 'KIE_WATCHER_CLOSED':
      error = new WatcherClosedError(taskId, family);
      break;
    case 'KIE_CALLBACK_ERROR':
      error = new CallbackError(str('callback'), undefined, taskId, family);
      break;
    default:
      return null;
  }
  // The message as the raising process wrote it (it named that process's view of the task).
  Object.defineProperty(error, 'message', { value: str('message'), writable: true, configurable: true, enumerable: false });
  return error instanceof CallbackError ? null : (error as WatchError);
}

/** A progress event for other processes (the owner skips its own). */
export function encodeEvent(event: ProgressEvent, owner: string): string {
  return JSON.stringify({ o: owner, p: event.progress, s: event.status, st: event.state, r: event.record });
}

export function decodeEvent(json: string): { readonly owner: string; readonly progress: number; readonly status: string | null; readonly state: TaskState; readonly record: unknown } | null {
  try {
    const b = JSON.parse(json) as { o?: unknown; p?: unknown; s?: unknown; st?: unknown; r?: unknown };
    if (typeof b.o !== 'string' || typeof b.p !== 'number') return null;
    const state = b.st === 'success' || b.st === 'failure' ? b.st : 'pending';
    return { owner: b.o, progress: b.p, status: typeof b.s === 'string' ? b.s : null, state, record: b.r ?? null };
  } catch {
    return null;
  }
}
