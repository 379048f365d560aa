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
import { hasFlag, setFlag, TaskFlag, type Settlement, type TaskEntry } from './task.js';

/*
 * What crosses between processes of a fleet, as JSON: a task's poll state (so whichever process claims it next
 * keeps its progress, retry streaks and ETA), its final settlement, and progress events. Times cross as epoch
 * ms: each process's monotonic clock is its own.
 */

/** The poll state of a task, compact: it is stored once per pending task. */
interface StateBlob {
  p?: number | null;
  fp?: number;
  fpa?: number;
  lpa?: number;
  laa?: number;
  ct?: number | null;
  cz?: boolean;
  s?: string | null;
  n?: number;
  e?: number;
  i?: number;
  r?: number;
  lr?: string | null;
  x?: boolean;
  u?: boolean;
}

/** Monotonic ms to epoch ms and back, at one instant. */
export interface TimeBase {
  readonly now: number;
  readonly epochNow: number;
}

const toEpoch = (mono: number, t: TimeBase): number => Math.round(t.epochNow - (t.now - mono));
const toMono = (epoch: number, t: TimeBase): number => t.now - (t.epochNow - epoch);

export function encodeState(task: TaskEntry, t: TimeBase): string {
  const b: StateBlob = { n: task.polls };
  if (task.progress !== null) {
    b.p = task.progress;
    b.fp = task.firstProgress;
    b.fpa = toEpoch(task.firstProgressAt, t);
    b.lpa = toEpoch(task.lastProgressAt, t);
  }
  if (task.lastAnswerAt >= 0) b.laa = toEpoch(task.lastAnswerAt, t);
  if (task.createTime !== null) {
    b.ct = task.createTime;
    b.cz = !hasFlag(task, TaskFlag.ZONELESS);
  }
  if (task.status !== null) b.s = task.status;
  if (task.errors) b.e = task.errors;
  if (task.invalid) b.i = task.invalid;
  if (task.rateStreak) b.r = task.rateStreak;
  if (task.lastReason !== null) b.lr = task.lastReason;
  if (hasFlag(task, TaskFlag.EXPECT_CALLBACK)) b.x = true;
  if (hasFlag(task, TaskFlag.UNKNOWN_STATUS_LOGGED)) b.u = true;
  return JSON.stringify(b);
}

/** Loads a claimed task's state into its entry; a state that cannot be read leaves the entry as it is. */
export function decodeState(json: string | null, task: TaskEntry, t: TimeBase): void {
  if (json === null) return;
  let b: StateBlob;
  try {
    b = JSON.parse(json) as StateBlob;
  } catch {
    return;
  }
  if (typeof b !== 'object' || b === null) return;
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  task.polls = num(b.n, task.polls);
  if (typeof b.p === 'number') {
    task.progress = b.p;
    task.firstProgress = num(b.fp, b.p);
    task.firstProgressAt = toMono(num(b.fpa, t.epochNow), t);
    task.lastProgressAt = toMono(num(b.lpa, t.epochNow), t);
  }
  if (typeof b.laa === 'number') task.lastAnswerAt = toMono(b.laa, t);
  if (typeof b.ct === 'number') {
    task.createTime = b.ct;
    setFlag(task, TaskFlag.ZONELESS, b.cz === false);
  }
  if (typeof b.s === 'string') task.status = b.s;
  task.errors = num(b.e, 0);
  task.invalid = num(b.i, 0);
  task.rateStreak = num(b.r, 0);
  task.lastReason = typeof b.lr === 'string' ? b.lr : null;
  if (b.x === true) setFlag(task, TaskFlag.EXPECT_CALLBACK);
  if (b.u === true) setFlag(task, TaskFlag.UNKNOWN_STATUS_LOGGED);
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
