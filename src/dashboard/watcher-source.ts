import type { CompletedEvent, FailedEvent, ProgressEvent, RateLimitedEvent, TimeoutEvent, WatcherStats } from '../events.js';
import { STATS_BUCKET_MS } from '../redis/fleet-stats.js';
import { BucketCache, zero, type Counts } from './buckets.js';
import { webUrls } from './decode.js';
import type { DashboardResult, DashboardSource, DashboardSummary, DashboardTask } from './types.js';

/** What the dashboard uses of a `TaskWatcher`: its counters and its events. */
export interface WatcherLike {
  /** Its counters. */
  stats(): WatcherStats;
  /** Progress: the task table. */
  on(event: 'progress', listener: (e: ProgressEvent) => void): unknown;
  /** A result: recent results. */
  on(event: 'completed', listener: (e: CompletedEvent) => void): unknown;
  /** A failure: recent failures. */
  on(event: 'failed', listener: (e: FailedEvent) => void): unknown;
  /** A timeout: recent failures. */
  on(event: 'timeout', listener: (e: TimeoutEvent) => void): unknown;
  /** A 429: the task's retries. */
  on(event: 'rateLimited', listener: (e: RateLimitedEvent) => void): unknown;
  /** Removes the dashboard's listeners on `close()`. */
  off(event: string, listener: (...args: never[]) => void): unknown;
}

const RECENT = 20;
const TABLE_ROWS = 50;
/** Tasks kept in the table at most: the oldest are forgotten first (a single watcher may watch many). */
const MAX_TASKS = 10_000;
const ME = 'this process';

/**
 * One watcher in this process, without Redis: its counters (sampled at each read, so the windows start when the
 * dashboard was made) and its events (the task table lists tasks once they reported progress).
 */
export class WatcherSource implements DashboardSource {
  readonly kind = 'watcher' as const;
  readonly #watcher: WatcherLike;
  readonly #buckets = new BucketCache();
  readonly #tasks = new Map<string, DashboardTask>();
  #recent: DashboardResult[] = [];
  #last: Counts;
  readonly #startedAt = Date.now();
  readonly #listeners: [string, (e: never) => void][];

  constructor(watcher: WatcherLike) {
    this.#watcher = watcher;
    this.#last = this.#counts();
    const key = (e: { family: string; taskId: string }): string => `${e.family}:${e.taskId}`;
    const onProgress = (e: ProgressEvent): void => {
      const prev = this.#tasks.get(key(e));
      this.#tasks.delete(key(e));
      if (this.#tasks.size >= MAX_TASKS) this.#tasks.delete(this.#tasks.keys().next().value as string);
      this.#tasks.set(key(e), {
        taskId: e.taskId,
        family: e.family,
        state: e.status ?? e.state,
        progress: e.progress,
        polls: (prev?.polls ?? 0) + 1,
        lastPollAt: Date.now(),
        nextDueAt: null,
        owner: ME,
        retries: 0,
        lastReason: null,
        watchedAt: prev?.watchedAt ?? null,
      });
    };
    const end = (e: { family: string; taskId: string }, row: DashboardResult): void => {
      this.#tasks.delete(key(e));
      this.#recent.unshift(row);
      this.#recent.length = Math.min(this.#recent.length, RECENT);
    };
    const onCompleted = (e: CompletedEvent): void =>
      end(e, { taskId: e.taskId, family: e.family, outcome: 'completed', at: Date.now(), resultUrls: webUrls(e.result.resultUrls), errorCode: null, reason: null, owner: ME });
    const onFailed = (e: FailedEvent | TimeoutEvent): void =>
      end(e, { taskId: e.taskId, family: e.family, outcome: 'failed', at: Date.now(), resultUrls: [], errorCode: e.error.code, reason: e.error.message.slice(0, 300), owner: ME });
    const onLimited = (e: RateLimitedEvent): void => {
      const t = this.#tasks.get(key(e));
      if (t !== undefined && e.scope === 'task') this.#tasks.set(key(e), { ...t, retries: t.retries + 1, lastReason: e.source === 'http' ? 'HTTP 429' : 'body code 429' });
    };
    this.#listeners = [
      ['progress', onProgress],
      ['completed', onCompleted],
      ['failed', onFailed],
      ['timeout', onFailed],
      ['rateLimited', onLimited],
    ] as [string, (e: never) => void][];
    watcher.on('progress', onProgress);
    watcher.on('completed', onCompleted);
    watcher.on('failed', onFailed);
    watcher.on('timeout', onFailed);
    watcher.on('rateLimited', onLimited);
  }

  #counts(): Counts {
    const s = this.#watcher.stats();
    return { polls: s.requests, rateLimited: s.rateLimited, completed: s.completed, failed: s.failed, timeout: s.timedOut };
  }

  read(): Promise<DashboardSummary> {
    const now = Date.now();
    const counts = this.#counts();
    const delta = zero();
    for (const n of Object.keys(delta) as (keyof Counts)[]) delta[n] = Math.max(0, counts[n] - this.#last[n]);
    this.#last = counts;
    this.#buckets.add(ME, Math.floor(now / STATS_BUCKET_MS), delta);
    this.#buckets.prune(new Set([ME]), now);
    const s = this.#watcher.stats();
    const byFamily: Record<string, Record<string, number>> = {};
    for (const t of this.#tasks.values()) {
      const row = (byFamily[t.family] ??= {});
      row[t.state] = (row[t.state] ?? 0) + 1;
    }
    return Promise.resolve({
      at: now,
      source: 'watcher',
      pending: s.pending,
      inFlight: s.inFlight,
      ...this.#buckets.totals(now),
      processes: [{ name: ME, account: '', lastSeen: now, tasksHeld: s.inFlight, capacity: null, polls: s.requests, rateLimited: s.rateLimited, startedAt: this.#startedAt, alive: true }],
      accounts: [],
      breakdown: { at: now, counts: byFamily },
      tasks: [...this.#tasks.values()].slice(-TABLE_ROWS).reverse(),
      recent: this.#recent,
    });
  }

  search(query: string, limit: number): Promise<DashboardTask[]> {
    const out = [...this.#tasks.values()].filter((t) => t.taskId.includes(query));
    out.sort((a, b) => Number(b.taskId === query) - Number(a.taskId === query));
    return Promise.resolve(out.slice(0, limit));
  }

  close(): Promise<void> {
    for (const [event, listener] of this.#listeners) this.#watcher.off(event, listener);
    return Promise.resolve();
  }
}
