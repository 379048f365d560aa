import type { Dispatcher } from 'undici';

/** One saved result file. */
export interface DownloadedFile {
  /** The result URL it came from (`resultUrls[n]`). */
  readonly url: string;
  /** Where it is: `<dir>/<taskId>-<n>.<ext>`, absolute. */
  readonly path: string;
  /** Its size. */
  readonly bytes: number;
  /** The file host's `content-type` (without parameters), `application/octet-stream` when it sent none. */
  readonly contentType: string;
}

/** What {@link downloadResult} and `watcher.download` need of a result: a `WatchResult` has it, and so does a row you stored. */
export interface DownloadableResult {
  /** The task. */
  readonly taskId: string;
  /** Its family id (the 4o image family has a download-url endpoint of its own). @default 'gpt4o-image' */
  readonly family?: string | undefined;
  /** The URLs to save, in order: file `n` is `resultUrls[n]`. */
  readonly resultUrls: readonly string[];
}

/** Options of `watcher.download(result, options)`, and of the `download` option of a wait. */
export interface DownloadOptions {
  /** The folder to save into; made if missing. Files are named `<taskId>-<n>.<ext>`, `n` from 0, the extension from the content type. */
  readonly dir: string;
  /** Aborting stops every transfer of the call (it rejects with `AbortError`); no file is left under its final name. */
  readonly signal?: AbortSignal | undefined;
  /** Files transferred at once. @default 4 */
  readonly concurrency?: number | undefined;
  /** Larger files are refused (`DownloadError`, reason `too-large`), by their `content-length` or as they arrive. @default 2147483648 (2 GiB) */
  readonly maxBytes?: number | undefined;
  /** Attempts per file, counting the first, across transient failures (resets, timeouts, 5xx, 429, short bodies, expired links). @default 4 */
  readonly attempts?: number | undefined;
  /** Delay before the second attempt; doubles per attempt, with jitter. @default 1000 */
  readonly retryDelayMs?: number | undefined;
}

/** Options of {@link downloadResult}: a download without a watcher, so with the connection settings a watcher would have. */
export interface DownloadResultOptions extends DownloadOptions {
  /** The KIE API key (for the download-url endpoints). @default process.env.KIE_API_KEY */
  readonly apiKey?: string | undefined;
  /** The API origin. @default 'https://api.kie.ai' */
  readonly baseUrl?: string | URL | undefined;
  /** Allow plain `http:` to an API host other than loopback. @default false */
  readonly allowInsecureHttp?: boolean | undefined;
  /** An undici dispatcher for every request of the call (a `MockAgent` in tests). @default a private `Agent`, closed at the end */
  readonly dispatcher?: Dispatcher | undefined;
  /** Per-request timeout (connect, headers, and between body chunks). @default 15000 */
  readonly requestTimeoutMs?: number | undefined;
  /** The `User-Agent` header. @default `kie-watcher/<version> (...)` */
  readonly userAgent?: string | undefined;
}

/** The defaults of {@link DownloadOptions}. */
export const DOWNLOAD_DEFAULTS = {
  /** {@inheritDoc DownloadOptions.concurrency} */
  concurrency: 4,
  /** {@inheritDoc DownloadOptions.maxBytes} */
  maxBytes: 2 * 1024 ** 3,
  /** {@inheritDoc DownloadOptions.attempts} */
  attempts: 4,
  /** {@inheritDoc DownloadOptions.retryDelayMs} */
  retryDelayMs: 1_000,
} as const;
