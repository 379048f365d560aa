import type { Logger } from 'pino';
import {
  KieApiError,
  KieWatcherError,
  WatchTimeoutError,
  WatcherClosedError,
  type KieWatcherErrorCode,
  type ProgressEvent,
  type RateLimitedEvent,
  type DownloadedFile,
  type RetryEvent,
  type TaskWatcher,
} from '../index.js';
import { EXIT, stoppedExitCode } from './exit-codes.js';
import type { Reporter, Summary, WatchedTask } from './report.js';

/** How one task's watch ended: `SUCCESS`, the error's code, or neither (interrupted, or a bug). */
export type TaskEnding = 'SUCCESS' | KieWatcherErrorCode | 'INTERRUPTED' | 'INTERNAL';

export interface SessionResult {
  readonly tasks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly interrupted: number;
  /** The key or the account was refused (401/402/403): nothing else can succeed with it. */
  readonly fatal: KieApiError | undefined;
  readonly requests: number;
  readonly retries: number;
  readonly rateLimited: number;
  readonly wallMs: number;
  /** What ended the session early, if anything did: 'SIGINT', 'SIGTERM', or 'EPIPE' (the reader closed stdout). */
  readonly stoppedBy: string | undefined;
  /** How each task ended, by taskId. */
  readonly endings: ReadonlyMap<string, TaskEnding>;
}

/** How a wait that threw ended: the error's code, `INTERRUPTED` when the watcher was closed, `INTERNAL` for a bug. */
export function endingOf(error: unknown): TaskEnding {
  if (error instanceof WatcherClosedError) return 'INTERRUPTED';
  return error instanceof KieWatcherError ? error.code : 'INTERNAL';
}

export function isFatalApiError(error: unknown): error is KieApiError {
  return error instanceof KieApiError && error.accountWide;
}

/**
 * Waits for every task through `waitForCompletion`, so each one ends in exactly one terminal report even when
 * the watcher halts on a bad key; progress, retry and rate-limit reports come from the watcher's events.
 */
export async function watchAll(
  watcher: TaskWatcher,
  tasks: readonly WatchedTask[],
  reporter: Reporter,
  options: {
    timeoutMs?: number | undefined;
    signal?: AbortSignal | undefined;
    now?: (() => number) | undefined;
    /** The library logs completions and failures; a timeout is the CLI's own verdict, so the CLI logs it. */
    logger?: Pick<Logger, 'debug'> | undefined;
    /** Also save each succeeded task's files (`kie-watch download`); a file not saved fails its task. */
    download?: { readonly dir: string } | undefined;
    /** Told each task's saved files, before its completed report. */
    saved?: ((taskId: string, files: readonly DownloadedFile[]) => void) | undefined;
  },
): Promise<SessionResult> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let succeeded = 0;
  let failed = 0;
  let timedOut = 0;
  let interrupted = 0;
  let fatal: KieApiError | undefined;
  let stoppedBy: string | undefined;
  const endings = new Map<string, TaskEnding>();
  const mine = new Set(tasks.map((t) => t.taskId));

  const onProgress = (e: ProgressEvent): void => {
    // The watcher also emits the final record as progress; the terminal report says it better, once.
    if (mine.has(e.taskId) && e.state === 'pending') reporter.progress(e.taskId, e.progress, e.status);
  };
  const onRetry = (e: RetryEvent): void => {
    if (mine.has(e.taskId)) reporter.retry(e);
  };
  const onRateLimited = (e: RateLimitedEvent): void => {
    if (mine.has(e.taskId)) reporter.rateLimited(e);
  };
  watcher.on('progress', onProgress);
  watcher.on('retry', onRetry);
  watcher.on('rateLimited', onRateLimited);

  const signal = options.signal;
  const onAbort = (): void => {
    stoppedBy = typeof signal?.reason === 'string' ? signal.reason : 'SIGINT';
    void watcher.close();
  };
  reporter.start(tasks);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const wait = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  try {
    await Promise.all(
      tasks.map(async ({ taskId, family }) => {
        try {
          const save = options.download;
          let result;
          if (save === undefined) {
            result = await watcher.waitForCompletion(taskId, { ...wait, family });
          } else {
            const withFiles = await watcher.waitForCompletion(taskId, { ...wait, family, download: save });
            options.saved?.(taskId, withFiles.files);
            result = withFiles;
          }
          succeeded += 1;
          endings.set(taskId, 'SUCCESS');
          reporter.completed(taskId, result, now() - startedAt);
        } catch (error) {
          if (error instanceof WatcherClosedError || (stoppedBy !== undefined && !(error instanceof KieWatcherError))) {
            interrupted += 1;
            endings.set(taskId, 'INTERRUPTED');
          } else if (error instanceof WatchTimeoutError) {
            timedOut += 1;
            endings.set(taskId, error.code);
            options.logger?.debug(
              { taskId, timeoutMs: error.timeoutMs, lastStatus: error.lastStatus, lastProgress: error.lastProgress },
              'task timed out',
            );
            reporter.timeout(taskId, error, now() - startedAt);
          } else if (error instanceof KieWatcherError) {
            failed += 1;
            endings.set(taskId, error.code);
            if (isFatalApiError(error)) fatal ??= error;
            reporter.failed(taskId, error, now() - startedAt);
          } else {
            // Not the library's: a bug. Still one report per task, and never silently a success.
            failed += 1;
            endings.set(taskId, 'INTERNAL');
            reporter.message(`internal error while watching ${taskId}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }),
    );
  } finally {
    signal?.removeEventListener('abort', onAbort);
    watcher.off('progress', onProgress);
    watcher.off('retry', onRetry);
    watcher.off('rateLimited', onRateLimited);
  }
  const stats = watcher.stats();
  return {
    tasks: tasks.length,
    succeeded,
    failed,
    timedOut,
    interrupted,
    fatal,
    requests: stats.requests,
    retries: stats.retries,
    rateLimited: stats.rateLimited,
    wallMs: now() - startedAt,
    stoppedBy,
    endings,
  };
}

export function exitCodeOf(result: SessionResult): number {
  if (result.stoppedBy !== undefined) return stoppedExitCode(result.stoppedBy);
  if (result.fatal) return EXIT.usage;
  return result.failed > 0 || result.timedOut > 0 ? EXIT.failed : EXIT.ok;
}

/** The summary line both commands end with; `violations` only when a simulator counted them. */
export function summaryOf(result: SessionResult, exitCode: number, violations?: number): Summary {
  const { tasks, succeeded, failed, timedOut, interrupted, requests, retries, rateLimited, wallMs } = result;
  const base = { tasks, succeeded, failed, timedOut, interrupted, requests, retries, rateLimited, wallMs, exitCode };
  return violations === undefined ? base : { ...base, violations };
}
