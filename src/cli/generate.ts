import { randomUUID } from 'node:crypto';
import {
  AbortError,
  KieApiError,
  KieWatcherError,
  SubmitUnknownError,
  WatchTimeoutError,
  WatcherClosedError,
  type DownloadedFile,
  type InputOf,
  type KnownFamilyId,
} from '../index.js';
import { openApi } from './api.js';
import type { GenerateCommand } from './command.js';
import { makeReporter } from './context.js';
import { EXIT, stoppedExitCode } from './exit-codes.js';
import type { CliIo, Sink } from './io.js';
import type { Summary } from './report.js';
import { optionsUsageError } from './usage.js';

/** Where the saved files are told: one path per line, or one JSON line per file. */
export function writeFiles(out: Sink, json: boolean, taskId: string, files: readonly DownloadedFile[]): void {
  for (const f of files) out.write(json ? `${JSON.stringify({ type: 'file', taskId, path: f.path, bytes: f.bytes, contentType: f.contentType, url: f.url })}\n` : `${f.path}\n`);
}

/**
 * `kie-watch generate`: one create through `generate()` with a fresh submit key (so it is sent at most once),
 * the live view from the moment the task exists, its files saved into `--out`, their paths printed last.
 */
export async function runGenerate(cmd: GenerateCommand, io: CliIo): Promise<number> {
  const { watcher, out, err } = await openApi(cmd, io, 'generate');
  const reporter = makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => watcher.stats().requests });
  const startedAt = Date.now();
  let taskId: string | undefined;
  const known = (id: string): void => {
    if (taskId !== undefined) return;
    taskId = id;
    reporter.start([{ taskId: id, family: cmd.family }]);
  };
  watcher.on('retry', (e) => {
    if (taskId !== undefined) reporter.retry(e);
  });
  watcher.on('rateLimited', (e) => {
    if (taskId !== undefined) reporter.rateLimited(e);
  });
  const key = `kie-watch-${randomUUID()}`;
  err.write(`kie-watch: creating a ${cmd.family} task (submit key ${key}); files go to ${cmd.out}\n`);
  const counts = { succeeded: 0, failed: 0, timedOut: 0, interrupted: 0 };
  let exitCode: number = EXIT.ok;
  let files: readonly DownloadedFile[] = [];
  try {
    const result = await watcher.generate(cmd.family as KnownFamilyId, cmd.input as unknown as InputOf<KnownFamilyId>, {
      key,
      signal: io.signal,
      download: { dir: cmd.out },
      onProgress: (e) => {
        known(e.taskId);
        if (e.state === 'pending') reporter.progress(e.taskId, e.progress, e.status);
      },
      ...(cmd.timeoutMs === undefined ? {} : { timeoutMs: cmd.timeoutMs }),
    });
    known(result.taskId);
    files = result.files;
    counts.succeeded = 1;
    reporter.completed(result.taskId, result, Date.now() - startedAt);
  } catch (e) {
    // The family's input check (nothing was sent): the command line must change.
    if (e instanceof TypeError) throw optionsUsageError(e, (t) => t, 'generate');
    exitCode = ending(e, io, counts);
    const id = (e as { taskId?: unknown }).taskId;
    if (typeof id === 'string') known(id);
    report(e, taskId, reporter, err, Date.now() - startedAt);
  } finally {
    await watcher.close();
  }
  if (taskId === undefined) reporter.start([]);
  const stats = watcher.stats();
  const summary: Summary = { tasks: taskId === undefined ? 0 : 1, ...counts, requests: stats.requests, retries: stats.retries, rateLimited: stats.rateLimited, wallMs: Date.now() - startedAt, exitCode };
  reporter.finish(summary);
  if (taskId !== undefined) writeFiles(out, cmd.json, taskId, files);
  return exitCode;
}

/** The exit code for a generate that threw, counting it as the summary shows it. */
function ending(e: unknown, io: CliIo, counts: { failed: number; timedOut: number; interrupted: number }): number {
  const reason = io.signal?.reason;
  if (io.signal?.aborted === true && (e instanceof AbortError || e instanceof WatcherClosedError)) {
    counts.interrupted = 1;
    return stoppedExitCode(typeof reason === 'string' ? reason : 'SIGINT');
  }
  if (e instanceof SubmitUnknownError) return EXIT.unknownOutcome;
  if (e instanceof WatchTimeoutError) {
    counts.timedOut = 1;
    return EXIT.failed;
  }
  counts.failed = 1;
  // Refused outright (bad key, no credits, an input the API rejects): nothing was made, the command line must change.
  if (e instanceof KieApiError && (e.accountWide || e.providerCode === 402 || e.providerCode === 422)) return EXIT.usage;
  if (e instanceof KieWatcherError) return EXIT.failed;
  throw e;
}

function report(e: unknown, taskId: string | undefined, reporter: ReturnType<typeof makeReporter>, err: Sink, elapsedMs: number): void {
  if (e instanceof SubmitUnknownError) {
    const sent = e.sentAt === null ? '' : ` at ${new Date(e.sentAt).toISOString()}`;
    err.write(
      `kie-watch: the create was sent${sent} but its outcome is unknown (${e.reason}): a task may exist and be billed, so it was not sent again.\n` +
        `kie-watch: key to check: ${e.key}. Look for a ${e.family} task created then (KIE dashboard, or your callBackUrl's log) before running generate again.\n`,
    );
    return;
  }
  if (taskId !== undefined && e instanceof WatchTimeoutError) reporter.timeout(taskId, e, elapsedMs);
  else if (taskId !== undefined && e instanceof KieWatcherError) reporter.failed(taskId, e, elapsedMs);
  else err.write(`kie-watch: ${e instanceof Error ? e.message : String(e)}\n`);
}
