import { keyOf } from '../redis/keys.js';
import type { DashboardResult, DashboardTask } from './types.js';

/** The fleet stores poll-state times in tenths of a second after the task's watchedAt (src/fleet/codec.ts). */
const TICK_MS = 100;
const MAX_URLS = 4;
const MAX_REASON = 300;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A task row from its member, due score and hash fields (`w`, `s`, `o`). */
export function taskRow(member: string, dueScore: string, watched: string, state: string, owner: string, settled = false): DashboardTask {
  const key = keyOf(member);
  const w = watched === '' ? null : Number(watched);
  let a: unknown[] = [];
  if (state !== '') {
    try {
      const parsed: unknown = JSON.parse(state);
      if (Array.isArray(parsed)) a = parsed;
    } catch {
      // An unreadable state shows as a task never polled.
    }
  }
  const lastAnswer = num(a[2]);
  const status = typeof a[3] === 'string' ? a[3] : null;
  return {
    taskId: key.taskId,
    family: key.family,
    state: settled ? 'settled' : (status ?? (a.length > 0 ? 'polled' : 'new')),
    progress: num(a[4]),
    polls: num(a[0]) ?? 0,
    lastPollAt: w !== null && lastAnswer !== null ? w + lastAnswer * TICK_MS : null,
    nextDueAt: dueScore === '' ? null : Math.round(Number(dueScore)),
    owner: owner === '' ? null : owner,
    retries: (num(a[9]) ?? 0) + (num(a[11]) ?? 0),
    lastReason: typeof a[12] === 'string' ? a[12] : null,
    watchedAt: w,
  };
}

/** Only what the page shows of a settlement: never the raw record (it may carry a callback URL with a secret). */
export function resultRow(member: string, at: number, json: string): DashboardResult | null {
  let b: { o?: unknown; ok?: unknown; result?: { resultUrls?: unknown }; error?: { code?: unknown; message?: unknown } };
  try {
    b = JSON.parse(json) as typeof b;
  } catch {
    return null;
  }
  if (typeof b !== 'object' || b === null) return null;
  const key = keyOf(member);
  const owner = typeof b.o === 'string' ? b.o : null;
  if (b.ok === true) {
    const urls = Array.isArray(b.result?.resultUrls) ? b.result.resultUrls : [];
    return { taskId: key.taskId, family: key.family, outcome: 'completed', at, resultUrls: webUrls(urls), errorCode: null, reason: null, owner };
  }
  const code = typeof b.error?.code === 'string' ? b.error.code : null;
  const message = typeof b.error?.message === 'string' ? b.error.message.slice(0, MAX_REASON) : null;
  return { taskId: key.taskId, family: key.family, outcome: 'failed', at, resultUrls: [], errorCode: code, reason: message, owner };
}

/** `http(s)` URLs only (a `javascript:` or `data:` URL never reaches an `img src`), at most four. */
export function webUrls(urls: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const u of urls) {
    if (typeof u !== 'string') continue;
    try {
      const url = new URL(u);
      if (url.protocol === 'https:' || url.protocol === 'http:') out.push(url.href);
    } catch {
      // not a URL: not shown
    }
    if (out.length >= MAX_URLS) break;
  }
  return out;
}

/** Epoch ms of a stream entry id (`<ms>-<seq>`). */
export function streamIdTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** A flat `[field, value, ...]` reply (or an object, RESP3) as a record. */
export function fields(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
    return out;
  }
  if (typeof reply === 'object' && reply !== null) return Object.fromEntries(Object.entries(reply).map(([k, v]) => [k, String(v)]));
  return {};
}
