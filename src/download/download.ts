import { mkdir } from 'node:fs/promises';
import { AbortError, DownloadError, WatcherClosedError, type DownloadFailureReason } from '../errors.js';
import { DEFAULT_FAMILY } from '../families/index.js';
import { checkNumber, checkObject, checkSignal, checkTaskId, describe } from '../validate.js';
import { delay, type DownloadContext } from './context.js';
import { transfer } from './file.js';
import { requestLink } from './link.js';
import { DOWNLOAD_DEFAULTS, type DownloadableResult, type DownloadedFile, type DownloadOptions } from './types.js';

const MAX_RETRY_DELAY_MS = 30_000;

interface Settings {
  readonly taskId: string;
  readonly family: string;
  readonly urls: readonly string[];
  readonly dir: string;
  readonly concurrency: number;
  readonly maxBytes: number;
  readonly attempts: number;
  readonly retryDelayMs: number;
}

/** The options' own checks, apart from any result: a wait or a generate runs them before it starts, so a bad `dir` costs no create. */
export function checkDownloadOptions(options: Omit<DownloadOptions, 'signal'>): Omit<Settings, 'taskId' | 'family' | 'urls'> {
  checkObject('download', options);
  if (typeof options.dir !== 'string' || options.dir === '') throw new TypeError(`kie-watcher: option \`dir\` must be a folder path, got ${describe(options.dir)}`);
  return {
    dir: options.dir,
    concurrency: checkNumber('concurrency', options.concurrency ?? DOWNLOAD_DEFAULTS.concurrency, 1, 64, true),
    maxBytes: checkNumber('maxBytes', options.maxBytes ?? DOWNLOAD_DEFAULTS.maxBytes, 1, Number.MAX_SAFE_INTEGER, true),
    attempts: checkNumber('attempts', options.attempts ?? DOWNLOAD_DEFAULTS.attempts, 1, 100, true),
    retryDelayMs: checkNumber('retryDelayMs', options.retryDelayMs ?? DOWNLOAD_DEFAULTS.retryDelayMs, 0, MAX_RETRY_DELAY_MS),
  };
}

function settings(result: DownloadableResult, options: DownloadOptions): Settings {
  checkObject('result', result);
  checkObject('options', options);
  const taskId = checkTaskId(result.taskId, 'result.taskId');
  const family = result.family ?? DEFAULT_FAMILY;
  if (typeof family !== 'string') throw new TypeError(`kie-watcher: \`result.family\` must be a string, got ${describe(family)}`);
  const urls = result.resultUrls as unknown;
  if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string' || u === '')) throw new TypeError(`kie-watcher: \`result.resultUrls\` must be an array of URL strings, got ${describe(urls)}`);
  const checked = checkDownloadOptions(options);
  checkSignal(options.signal);
  return { taskId, family, urls: urls as string[], ...checked };
}

interface Failure {
  reason: DownloadFailureReason;
  detail: string;
  httpStatus: number | null;
  providerCode: number | null;
  cause?: unknown;
}

/** A file given up on: carries what the last attempt saw. */
class FileFailed extends Error {
  readonly failure: Failure;
  readonly attempts: number;
  readonly url: string;
  constructor(url: string, failure: Failure, attempts: number) {
    super(failure.detail);
    this.url = url;
    this.failure = failure;
    this.attempts = attempts;
  }
}

/** One file: a direct link within the account budget, then the transfer; transient failures retried, expired links renewed. */
async function downloadOne(ctx: DownloadContext, s: Settings, index: number, signal: AbortSignal): Promise<DownloadedFile> {
  const url = s.urls[index] as string;
  let link: string | null = null;
  let last: Failure = { reason: 'network', detail: 'no attempt made', httpStatus: null, providerCode: null };
  for (let attempt = 1; attempt <= s.attempts; attempt++) {
    try {
      if (link === null) {
        await ctx.gate(signal);
        const answer = await requestLink(ctx, s.family, s.taskId, url, signal);
        if (answer.kind === 'link') link = answer.url;
        else if (answer.kind === 'refused') throw new FileFailed(url, { reason: 'link-refused', detail: answer.detail, httpStatus: answer.httpStatus, providerCode: answer.providerCode }, attempt);
        else last = { reason: 'network', detail: answer.detail, httpStatus: answer.httpStatus, providerCode: answer.providerCode };
      }
      if (link !== null) {
        const out = await transfer(ctx, { url, link, dir: s.dir, taskId: s.taskId, index, maxBytes: s.maxBytes }, signal);
        if (out.kind === 'saved') return out.file;
        last = { reason: out.reason, detail: out.detail, httpStatus: out.httpStatus, providerCode: null };
        if (out.kind === 'fail') throw new FileFailed(url, last, attempt);
        if (out.kind === 'expired') link = null;
      }
    } catch (err) {
      if (err instanceof FileFailed || signal.aborted) throw err;
      const code = (err as { code?: unknown }).code;
      // A filesystem error (folder not writable, disk full) will not mend by retrying.
      if (err !== null && typeof err === 'object' && 'path' in err && 'syscall' in err) {
        throw new FileFailed(url, { reason: 'filesystem', detail: `${String(code)}: ${String((err as { message?: unknown }).message)}`, httpStatus: null, providerCode: null, cause: err }, attempt);
      }
      last = { reason: 'network', detail: typeof code === 'string' ? code : (err as Error).message, httpStatus: null, providerCode: null, cause: err };
    }
    if (attempt < s.attempts) {
      const base = Math.min(MAX_RETRY_DELAY_MS, s.retryDelayMs * 2 ** (attempt - 1));
      await delay(base / 2 + (Math.random() * base) / 2, signal);
    }
  }
  throw new FileFailed(url, last, s.attempts);
}

/**
 * Saves every result file of a task into `options.dir` (see {@link DownloadOptions}), `concurrency` at a time.
 * The first file that cannot be saved stops the others and rejects with a `DownloadError` listing the files
 * already saved; no file is ever left under its final name half written.
 */
export async function downloadFiles(ctx: DownloadContext, result: DownloadableResult, options: DownloadOptions): Promise<DownloadedFile[]> {
  const s = settings(result, options);
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, ctx.closed, ...(options.signal ? [options.signal] : [])]);
  const aborted = (): Error | undefined => {
    if (options.signal?.aborted) return new AbortError(s.taskId, options.signal.reason, s.family);
    if (ctx.closed.aborted) return new WatcherClosedError(s.taskId, s.family);
    return undefined;
  };
  const early = aborted();
  if (early) throw early;
  try {
    await mkdir(s.dir, { recursive: true });
  } catch (err) {
    throw new DownloadError({ taskId: s.taskId, family: s.family, url: s.urls[0] ?? '', reason: 'filesystem', detail: `cannot make ${s.dir}: ${(err as Error).message}`, attempts: 0, cause: err });
  }
  const files: (DownloadedFile | undefined)[] = new Array<DownloadedFile | undefined>(s.urls.length);
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < s.urls.length) {
      const index = next++;
      try {
        files[index] = await downloadOne(ctx, s, index, signal);
      } catch (err) {
        failed ??= err;
        stop.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(s.concurrency, s.urls.length) }, worker));
  const saved = files.filter((f): f is DownloadedFile => f !== undefined);
  if (failed === undefined) return saved;
  const stopped = aborted();
  if (stopped) throw stopped;
  if (failed instanceof FileFailed) {
    const f = failed.failure;
    throw new DownloadError({ taskId: s.taskId, family: s.family, url: failed.url, reason: f.reason, detail: f.detail, httpStatus: f.httpStatus, providerCode: f.providerCode, attempts: failed.attempts, saved, cause: f.cause });
  }
  throw failed;
}
