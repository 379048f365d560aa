import { STAT_FIELDS, STATS_BUCKET_MS, type StatName } from '../redis/fleet-stats.js';
import type { DashboardSeries, DashboardSummary } from './types.js';

export type Counts = Record<StatName, number>;

/** The chart's window: 15 minutes of 10-second points. */
const SERIES_POINTS = (15 * 60_000) / STATS_BUCKET_MS;
/** The settled counts' window: an hour. */
const HOUR_POINTS = 3_600_000 / STATS_BUCKET_MS;
const MINUTE_POINTS = 60_000 / STATS_BUCKET_MS;

export const zero = (): Counts => ({ polls: 0, rateLimited: 0, completed: 0, failed: 0, timeout: 0 });

export function countsOf(f: Record<string, string>): Counts {
  const c = zero();
  for (const [name, field] of Object.entries(STAT_FIELDS) as [StatName, string][]) c[name] = Number(f[field] ?? 0) || 0;
  return c;
}

/**
 * The fleet's 10-second counter buckets, per account. A bucket more than one bucket old no longer changes (every
 * process flushes within a second), so it is read once and kept: a refresh reads two buckets per account, not
 * the 360 of an hour.
 */
export class BucketCache {
  readonly #kept = new Map<string, Map<number, Counts>>();

  /** The buckets to read for `account` now: the two latest, and any older one of the last hour not kept yet. */
  wanted(account: string, now: number): number[] {
    const b = Math.floor(now / STATS_BUCKET_MS);
    const kept = this.#kept.get(account);
    const out = [b, b - 1];
    for (let i = b - HOUR_POINTS + 1; i < b - 1; i++) if (kept?.has(i) !== true) out.push(i);
    return out;
  }

  /** Stores what was read; a bucket that can still change is not kept past this refresh. */
  put(account: string, bucket: number, counts: Counts): void {
    let kept = this.#kept.get(account);
    if (kept === undefined) this.#kept.set(account, (kept = new Map()));
    kept.set(bucket, counts);
  }

  /** Adds `delta` to a bucket (a single watcher's counters, sampled in this process). */
  add(account: string, bucket: number, delta: Counts): void {
    let kept = this.#kept.get(account);
    if (kept === undefined) this.#kept.set(account, (kept = new Map()));
    const c = kept.get(bucket) ?? zero();
    for (const n of Object.keys(c) as StatName[]) c[n] += delta[n];
    kept.set(bucket, c);
  }

  /** Forgets buckets older than the hour and accounts no longer seen. */
  prune(accounts: ReadonlySet<string>, now: number): void {
    const oldest = Math.floor(now / STATS_BUCKET_MS) - HOUR_POINTS;
    for (const [account, kept] of this.#kept) {
      if (!accounts.has(account)) this.#kept.delete(account);
      else for (const b of kept.keys()) if (b <= oldest) kept.delete(b);
    }
  }

  /** Sums over every account. */
  totals(now: number): Pick<DashboardSummary, 'pollsPerSecond' | 'rateLimited' | 'rateLimited15m' | 'settled' | 'series'> {
    const b = Math.floor(now / STATS_BUCKET_MS);
    const at = (i: number): Counts => {
      const c = zero();
      for (const kept of this.#kept.values()) {
        const k = kept.get(i);
        if (k) for (const n of Object.keys(c) as StatName[]) c[n] += k[n];
      }
      return c;
    };
    const sum = (from: number, name: StatName): number => {
      let s = 0;
      for (let i = from; i <= b; i++) s += at(i)[name];
      return s;
    };
    const elapsedS = (now - (b - 1) * STATS_BUCKET_MS) / 1000;
    const polls: number[] = [];
    const limited: number[] = [];
    for (let i = b - SERIES_POINTS + 1; i <= b; i++) {
      const c = at(i);
      const width = i === b ? Math.max(1, now - b * STATS_BUCKET_MS) : STATS_BUCKET_MS;
      polls.push(Math.round((c.polls * 10_000) / width) / 10);
      limited.push(c.rateLimited);
    }
    const series: DashboardSeries = { start: (b - SERIES_POINTS + 1) * STATS_BUCKET_MS, stepMs: STATS_BUCKET_MS, polls, rateLimited: limited };
    return {
      pollsPerSecond: Math.round((sum(b - 1, 'polls') / elapsedS) * 10) / 10,
      rateLimited: sum(b - MINUTE_POINTS + 1, 'rateLimited'),
      rateLimited15m: sum(b - SERIES_POINTS + 1, 'rateLimited'),
      settled: { completed: sum(b - HOUR_POINTS + 1, 'completed'), failed: sum(b - HOUR_POINTS + 1, 'failed'), timeout: sum(b - HOUR_POINTS + 1, 'timeout') },
      series,
    };
  }
}
