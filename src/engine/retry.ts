import type { ResolvedRetry } from '../options.js';

/**
 * Capped exponential backoff with "equal jitter": half fixed, half random, so that retries of many tasks spread
 * out instead of arriving together; never below the per-task spacing.
 */
export function backoffMs(attempt: number, retry: ResolvedRetry, random: () => number, floorMs: number): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.max(floorMs, ceiling / 2 + random() * (ceiling / 2));
}

/** A key-free one-word description of a network error: its code (`ECONNREFUSED`, `UND_ERR_SOCKET`) or name. */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'network error';
}
