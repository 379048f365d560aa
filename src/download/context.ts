import type { Dispatcher } from 'undici';
import { isLoopbackHost } from '../validate.js';

/** What a download needs from its owner (a watcher, or `downloadResult` for one call). */
export interface DownloadContext {
  /** The API origin (a path prefix is kept), for the download-url endpoints. */
  readonly baseUrl: URL;
  readonly apiKey: string;
  readonly userAgent: string;
  readonly requestTimeoutMs: number;
  /** Carries both the download-url requests and the file transfers; never the polling pool. */
  readonly dispatcher: Dispatcher;
  /** Resolves when the account budget lets one more API request go (and counts it); rejects when `signal` aborts. */
  readonly gate: (signal: AbortSignal) => Promise<void>;
  /** Hides the API key in text that came back from the provider. */
  readonly redact: (text: string) => string;
  /** Aborts when the owner closes (a watcher's `close()`): downloads then reject with `WatcherClosedError`. */
  readonly closed: AbortSignal;
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    // Ref'd on purpose: someone awaits this download, and the process must not exit under them.
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(2 ** 31 - 2, Math.max(0, ms)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `https:` anywhere, `http:` only to loopback (the simulator): a file fetched in clear could be swapped on the way. */
export function isAllowedLink(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
