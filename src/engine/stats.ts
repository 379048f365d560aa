import type { WatcherStats } from '../events.js';

/** The counters of `watcher.stats()`: each is counted where its event happens, through {@link Stats.count}. */
export type Counter = 'requests' | 'polls' | 'retries' | 'rateLimited' | 'completed' | 'failed' | 'timedOut' | 'aborted';

/** The watcher's counters, one object shared by the modules that count; read only as a snapshot. */
export class Stats {
  readonly #n: Record<Counter, number> = { requests: 0, polls: 0, retries: 0, rateLimited: 0, completed: 0, failed: 0, timedOut: 0, aborted: 0 };

  count(counter: Counter): void {
    this.#n[counter] += 1;
  }

  snapshot(): Pick<WatcherStats, Counter> {
    return { ...this.#n };
  }
}
