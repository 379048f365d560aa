import type { DownloadContext } from './context.js';
import { discard } from './file.js';

export const COMMON_LINK_PATH = '/api/v1/common/download-url';
export const GPT4O_LINK_PATH = '/api/v1/gpt4o-image/download-url';
/** Body codes that say "later": rate limited, timeout upstream, maintenance, server error. */
const TRANSIENT_CODES = new Set([408, 429, 455, 500, 503]);
const MAX_ANSWER_BYTES = 64 * 1024;

/** What the download-url endpoint made of one request. */
export type LinkAnswer =
  | {
      readonly kind: 'link';
      /** The direct link, valid about 20 minutes. */
      readonly url: string;
    }
  | {
      /** `retry`: try again later; `refused`: the provider will not give a link for this file. */
      readonly kind: 'retry' | 'refused';
      readonly detail: string;
      readonly httpStatus: number;
      readonly providerCode: number | null;
    };

/** The direct link in an answer's `data`: a string as documented, or an object carrying one. */
function linkIn(data: unknown): string | null {
  if (typeof data === 'string' && data !== '') return data;
  if (data !== null && typeof data === 'object') {
    for (const key of ['url', 'downloadUrl', 'download_url', 'link']) {
      const v = (data as Record<string, unknown>)[key];
      if (typeof v === 'string' && v !== '') return v;
    }
  }
  return null;
}

/**
 * Asks the provider for a direct download link for one result URL: `POST /api/v1/gpt4o-image/download-url`
 * with `{taskId, url}` for the 4o image family, `POST /api/v1/common/download-url` with `{url}` for the others.
 * Network errors reject; every HTTP answer resolves.
 */
export async function requestLink(ctx: DownloadContext, family: string, taskId: string, url: string, signal: AbortSignal): Promise<LinkAnswer> {
  const gpt4o = family === 'gpt4o-image';
  const path = `${ctx.baseUrl.pathname.replace(/\/+$/, '')}${gpt4o ? GPT4O_LINK_PATH : COMMON_LINK_PATH}`;
  const res = await ctx.dispatcher.request({
    origin: ctx.baseUrl.origin,
    path,
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.apiKey}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': ctx.userAgent },
    body: JSON.stringify(gpt4o ? { taskId, url } : { url }),
    headersTimeout: ctx.requestTimeoutMs,
    bodyTimeout: ctx.requestTimeoutMs,
    signal,
  });
  let text = '';
  for await (const chunk of res.body) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > MAX_ANSWER_BYTES) {
      discard(res.body);
      return { kind: 'retry', detail: 'download-url answer too large', httpStatus: res.statusCode, providerCode: null };
    }
  }
  const status = res.statusCode;
  if (status === 429 || status >= 500) return { kind: 'retry', detail: `download-url answered HTTP ${status}`, httpStatus: status, providerCode: null };
  let body: { code?: unknown; msg?: unknown; message?: unknown; data?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    const kind = status >= 200 && status < 300 ? 'retry' : 'refused';
    return { kind, detail: `download-url answered HTTP ${status} without JSON`, httpStatus: status, providerCode: null };
  }
  const code = typeof body?.code === 'number' ? body.code : status;
  const msg = ctx.redact(String(body?.msg ?? body?.message ?? ''));
  if (code === 200 && status >= 200 && status < 300) {
    const link = linkIn(body.data);
    if (link !== null) return { kind: 'link', url: link };
    return { kind: 'retry', detail: 'download-url answered 200 without a link', httpStatus: status, providerCode: code };
  }
  const detail = `download-url answered ${code}${msg ? `: ${msg}` : ''}`;
  return { kind: TRANSIENT_CODES.has(code) ? 'retry' : 'refused', detail, httpStatus: status, providerCode: code };
}
