/**
 * GCRA (generic cell rate algorithm): a token bucket stored as one number per key, the "theoretical
 * arrival time" (TAT). Pure functions with time passed in, so the rate guarantee can be property-tested.
 */
export interface GcraParams {
  /** Minimum spacing between requests at the sustained rate, in ms. */
  readonly intervalMs: number;
  /** Requests allowed back to back from a rested bucket (1 = strict spacing). */
  readonly burst: number;
}

/** The outcome of {@link gcraTake}: the new TAT to store, or when to try again. */
export type GcraDecision =
  | {
      /** The request may go now. */
      readonly allowed: true;
      /** The key's new theoretical arrival time, to store in place of the old one. */
      readonly tat: number;
    }
  | {
      /** The request must wait; the stored TAT is unchanged. */
      readonly allowed: false;
      /** The earliest time (same clock as `now`) the request would be allowed. */
      readonly retryAt: number;
    };

/** Decides one request at `now`. `tat` is `undefined` for a key never seen (a full bucket). */
export function gcraTake(tat: number | undefined, now: number, params: GcraParams): GcraDecision {
  const tolerance = (params.burst - 1) * params.intervalMs;
  const current = tat === undefined ? now : Math.max(tat, now);
  const allowAt = current - tolerance;
  if (now < allowAt) return { allowed: false, retryAt: allowAt };
  return { allowed: true, tat: current + params.intervalMs };
}

/** The earliest time a request would be allowed (no state change). */
export function gcraAllowedAt(tat: number | undefined, now: number, params: GcraParams): number {
  if (tat === undefined) return now;
  return Math.max(now, tat - (params.burst - 1) * params.intervalMs);
}

/**
 * The most requests GCRA can let into any closed window of `windowMs`: a full burst, then one per interval.
 * The watcher refuses a configuration where this exceeds the provider's limit.
 */
export function gcraMaxInWindow(params: GcraParams, windowMs: number): number {
  return params.burst + Math.floor(windowMs / params.intervalMs);
}

/**
 * Parameters for "at most `limit` requests in any `windowMs` window, with arrival jitter up to `jitterMs`".
 * Strict spacing (burst 1) with an interval just over `windowMs / limit` plus a share of the jitter: any
 * `limit + 1` requests then span more than `windowMs + jitterMs`, so even reordered arrivals stay within limit.
 */
export function paramsForWindow(limit: number, windowMs: number, jitterMs: number): GcraParams {
  return { intervalMs: (windowMs + jitterMs) / limit + 1, burst: 1 };
}
