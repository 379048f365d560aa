import { resolveOptions } from '../options.js';
import { USER_AGENT } from '../transport/client.js';
import { keyRedactor } from '../transport/redact.js';
import { accountGate, Downloader } from './downloader.js';
import type { DownloadableResult, DownloadedFile, DownloadResultOptions } from './types.js';

/**
 * Saves a finished task's result files without a watcher: for a result you stored (`{ taskId, family,
 * resultUrls }`) and want the files of later, within the provider's retention (`expiresAt`). Same behaviour as
 * `watcher.download`, with a private connection pool closed at the end. Resolves with `[{ url, path, bytes,
 * contentType }]`; rejects with `DownloadError`, or `AbortError` when `signal` aborts.
 */
export async function downloadResult(result: DownloadableResult, options: DownloadResultOptions): Promise<DownloadedFile[]> {
  const o = resolveOptions({
    apiKey: options?.apiKey,
    baseUrl: options?.baseUrl,
    allowInsecureHttp: options?.allowInsecureHttp,
    requestTimeoutMs: options?.requestTimeoutMs,
    userAgent: options?.userAgent,
    dispatcher: options?.dispatcher,
  });
  const downloader = new Downloader({
    baseUrl: o.baseUrl,
    apiKey: o.apiKey,
    userAgent: o.userAgent || USER_AGENT,
    requestTimeoutMs: o.requestTimeoutMs,
    gate: accountGate(undefined, Date.now),
    redact: keyRedactor(o.apiKey).redact,
    dispatcher: options.dispatcher,
  });
  try {
    return await downloader.download(result, options);
  } finally {
    await downloader.close();
  }
}
