import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DownloadContext } from './context.js';
import { isAllowedLink } from './context.js';
import type { DownloadFailureReason } from '../errors.js';
import { extensionFor, mediaType, targetPath } from './names.js';
import type { DownloadedFile } from './types.js';

const MAX_REDIRECTS = 5;

/** Drops a body we will not read. Destroying it emits an error nobody would listen to; this swallows it. */
export function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** What one transfer attempt came to. */
export type TransferOutcome =
  | { readonly kind: 'saved'; readonly file: DownloadedFile }
  | {
      /** `retry`: transient, same link; `expired`: ask for a new link; `fail`: give up on this file. */
      readonly kind: 'retry' | 'expired' | 'fail';
      readonly reason: DownloadFailureReason;
      readonly detail: string;
      readonly httpStatus: number | null;
    };

/** The file being written: a hidden temporary name beside the final one, so a crash never leaves a partial file under it. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
}

export interface Transfer {
  readonly url: string;
  readonly link: string;
  readonly dir: string;
  readonly taskId: string;
  readonly index: number;
  readonly maxBytes: number;
}

/**
 * GETs a direct link (following up to 5 redirects, each held to the https rule) and streams the body to a
 * temporary file, checking the size cap and `content-length`, then syncs and renames it to its final name.
 * Never sends the API key: direct links are presigned. Network errors reject; the temporary file is removed.
 */
export async function transfer(ctx: DownloadContext, t: Transfer, signal: AbortSignal): Promise<TransferOutcome> {
  let link = new URL(t.link);
  for (let hop = 0; ; hop++) {
    if (!isAllowedLink(link)) return { kind: 'fail', reason: 'insecure-link', detail: `refusing a ${link.protocol} link to ${link.host} (https only, http to loopback)`, httpStatus: null };
    const res = await ctx.dispatcher.request({
      origin: link.origin,
      path: `${link.pathname}${link.search}`,
      method: 'GET',
      headers: { 'user-agent': ctx.userAgent, accept: '*/*' },
      headersTimeout: ctx.requestTimeoutMs,
      bodyTimeout: ctx.requestTimeoutMs,
      signal,
    });
    const status = res.statusCode;
    if (status >= 300 && status < 400 && typeof res.headers['location'] === 'string' && hop < MAX_REDIRECTS) {
      discard(res.body);
      link = new URL(res.headers['location'], link);
      continue;
    }
    if (status !== 200) {
      discard(res.body);
      if (status === 403 || status === 404 || status === 410) return { kind: 'expired', reason: 'expired', detail: `the file host answered HTTP ${status} (link expired?)`, httpStatus: status };
      if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', reason: 'http', detail: `the file host answered HTTP ${status}`, httpStatus: status };
      return { kind: 'fail', reason: 'http', detail: `the file host answered HTTP ${status}`, httpStatus: status };
    }
    const declared = typeof res.headers['content-length'] === 'string' && /^\d+$/.test(res.headers['content-length']) ? Number(res.headers['content-length']) : null;
    if (declared !== null && declared > t.maxBytes) {
      discard(res.body);
      return { kind: 'fail', reason: 'too-large', detail: `content-length ${declared} is over maxBytes ${t.maxBytes}`, httpStatus: status };
    }
    const contentType = mediaType(res.headers['content-type']);
    const path = targetPath(t.dir, t.taskId, t.index, extensionFor(contentType, t.url));
    if (path === null) {
      discard(res.body);
      return { kind: 'fail', reason: 'unsafe-path', detail: 'the file name would fall outside dir', httpStatus: status };
    }
    return write(res.body, path, declared, t, contentType, status, signal);
  }
}

async function write(
  body: AsyncIterable<unknown> & { on(event: 'error', fn: () => void): unknown; destroy(): unknown },
  path: string,
  declared: number | null,
  t: Transfer,
  contentType: string,
  status: number,
  signal: AbortSignal,
): Promise<TransferOutcome> {
  const temp = tempPathFor(path);
  const fh = await open(temp, 'wx', 0o644);
  let bytes = 0;
  let done = false;
  try {
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        if (bytes > t.maxBytes) {
          body.destroy();
          return { kind: 'fail', reason: 'too-large', detail: `the body went over maxBytes ${t.maxBytes}`, httpStatus: status };
        }
        await fh.write(buf);
      }
    } catch (err) {
      if (signal.aborted) throw err;
      // The connection broke mid-body (reset, closed early, stalled past the timeout): the same link may work.
      const code = (err as { code?: unknown }).code;
      return { kind: 'retry', reason: 'incomplete', detail: `the body broke off after ${bytes} of ${declared ?? 'unknown'} bytes (${typeof code === 'string' ? code : (err as Error).message})`, httpStatus: status };
    }
    if ((declared !== null && bytes !== declared) || bytes === 0) {
      return { kind: 'retry', reason: 'incomplete', detail: `the body ended after ${bytes} of ${declared ?? 'unknown'} bytes`, httpStatus: status };
    }
    // On disk before it gets its name: after a crash the final name holds the whole file or nothing.
    await fh.sync();
    await fh.close();
    await rename(temp, path);
    done = true;
    return { kind: 'saved', file: { url: t.url, path, bytes, contentType } };
  } finally {
    if (!done) {
      await fh.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
    }
  }
}
