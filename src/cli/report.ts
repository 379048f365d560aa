import { TaskFailedError, WatchTimeoutError, type FamilyRef, type KieWatcherError, type KnownFamilyId, type RateLimitedEvent, type RetryEvent, type WatchResult } from '../index.js';

/** One task of a session, and the family it is watched as. */
export interface WatchedTask {
  readonly taskId: string;
  readonly family: KnownFamilyId;
}

export interface Summary {
  readonly tasks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  /** Tasks still open when SIGINT/SIGTERM arrived. */
  readonly interrupted: number;
  readonly requests: number;
  readonly retries: number;
  readonly rateLimited: number;
  /** Counted by the simulator in `demo`; unknown (absent) when watching the real API. */
  readonly violations?: number;
  /** `demo --callbacks` only: from each task's end (the simulator knows it) to its report, over the tasks that ended. */
  readonly detectionMs?: { readonly p50: number; readonly p95: number; readonly max: number };
  /** `demo --callbacks` only: what became of the simulator's callbacks. */
  readonly callbacks?: { readonly delivered: number; readonly lost: number; readonly failed: number };
  readonly wallMs: number;
  readonly exitCode: number;
}

/** One place the session reports to; JSON lines, the live TTY view and plain lines implement it. */
export interface Reporter {
  start(tasks: readonly WatchedTask[]): void;
  /** `status` is the provider's own text, `null` when the family's records carry none (Veo, Flux, Luma, MJ). */
  progress(taskId: string, progress: number, status: string | null): void;
  completed(taskId: string, result: WatchResult<FamilyRef>, elapsedMs: number): void;
  failed(taskId: string, error: KieWatcherError, elapsedMs: number): void;
  timeout(taskId: string, error: WatchTimeoutError, elapsedMs: number): void;
  retry(event: RetryEvent): void;
  rateLimited(event: RateLimitedEvent): void;
  /** A human message: kept off stdout when stdout carries JSON, held back while the live view owns the screen. */
  message(text: string): void;
  /** Stops any timer and hands the terminal back; prints the summary. Called once. */
  finish(summary: Summary): void;
}

/**
 * Each task's family, when the session watches more than one family (a lone family is the one the user
 * named, so saying it on every line would only be noise); `undefined` otherwise.
 */
export function familiesShown(tasks: readonly WatchedTask[]): ReadonlyMap<string, string> | undefined {
  const byTask = new Map(tasks.map((t) => [t.taskId, t.family]));
  return new Set(byTask.values()).size > 1 ? byTask : undefined;
}

/** Fields never copied into output: the record is bulky and may carry the prompt, the rest is internal. */
const SKIP = new Set(['stack', 'cause', 'record', 'taskId', 'name', 'code', 'message']);

/** `{name, code, message, ...own fields}`, JSON-safe, without stack or cause (they may hold request details). */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: 'Error', code: 'UNKNOWN', message: String(error) };
  const code = (error as { code?: unknown }).code;
  const out: Record<string, unknown> = { name: error.name, code: typeof code === 'string' ? code : 'UNKNOWN', message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (SKIP.has(key) || value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    out[key] = value;
  }
  return out;
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `1 request`, `2 requests`; `plural` for the irregular ones (`retry` / `retries`). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/**
 * An error's message for a line that already starts with the task id: the message names the task too
 * (`task X ended with …`), which would say it twice. A task failure is told by its own fields.
 */
export function failureText(taskId: string, error: KieWatcherError): string {
  if (error instanceof TaskFailedError) {
    const code = error.errorCode === null ? '' : ` (errorCode ${error.errorCode})`;
    // `status` may be missing for families whose failures carry none; the code still names the outcome.
    return `${error.status ?? error.code}${code}${error.errorMessage ? `: ${error.errorMessage}` : ''}`;
  }
  if (error instanceof WatchTimeoutError) {
    const progress = error.lastProgress === null ? '' : ` at ${Math.round(error.lastProgress * 100)}%`;
    const last = error.lastStatus === null ? 'no record seen yet' : `last status ${error.lastStatus}${progress}`;
    return `timed out after ${formatDuration(error.timeoutMs)} (${last}); the task itself may still finish`;
  }
  const text = error.message.split(`task ${taskId}`).join('the task');
  return text.startsWith('the task ') ? text.slice('the task '.length) : text;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

export function summaryText(s: Summary): string {
  const lines = [
    `${s.succeeded} succeeded, ${s.failed} failed, ${s.timedOut} timed out${s.interrupted > 0 ? `, ${s.interrupted} interrupted` : ''} (of ${count(s.tasks, 'task')})`,
    `${count(s.requests, 'request')} sent, ${count(s.retries, 'retry', 'retries')}, ${count(s.rateLimited, 'rate-limited answer')}` +
      (s.violations === undefined ? '' : `, ${count(s.violations, 'rate-limit violation')} counted by the simulator`),
    ...(s.detectionMs === undefined
      ? []
      : [
          `${(s.requests / Math.max(1, s.tasks)).toFixed(1)} requests per task; detection delay (a task's end to its report) p50 ${seconds(s.detectionMs.p50)}, p95 ${seconds(s.detectionMs.p95)}, max ${seconds(s.detectionMs.max)}`,
        ]),
    ...(s.callbacks === undefined ? [] : [`callbacks: ${s.callbacks.delivered} delivered, ${s.callbacks.lost} lost, ${s.callbacks.failed} failed`]),
    `wall time ${formatDuration(s.wallMs)}, exit code ${s.exitCode}`,
  ];
  return `${lines.join('\n')}\n`;
}
