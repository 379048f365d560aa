import type { Settlement, TaskEntry } from '../engine/task.js';
import type { FleetHeartbeat, FleetStore } from './coordinator.js';

/** How often a process tells the fleet (its dashboard) about itself, at most. */
export const HEARTBEAT_MS = 1000;

/**
 * What a process counts for the fleet's dashboard: polls started, 429 answers, tasks it settled or the fleet
 * dropped at their deadline. Sent by the driver at most once a second, after a tick (the store adds the
 * increments to shared 10-second buckets); a store without `heartbeat` publishes nothing.
 */
export class FleetCounters {
  readonly #counters = { polls: 0, rateLimited: 0, completed: 0, failed: 0, timeout: 0 };
  /** Each held task's 429 streak when it was claimed: a longer one after the answer means a 429. */
  readonly #streaks = new WeakMap<TaskEntry, number>();
  #lastBeat = -Infinity;
  #sending = false;
  #inFlight: Promise<void> = Promise.resolve();

  polled(task: TaskEntry): void {
    this.#counters.polls += 1;
    this.#streaks.set(task, task.rateStreak);
  }

  answered(task: TaskEntry): void {
    if (task.rateStreak > (this.#streaks.get(task) ?? 0)) this.#counters.rateLimited += 1;
    this.#streaks.delete(task);
  }

  settled(settlement: Settlement): void {
    if (settlement.ok) this.#counters.completed += 1;
    else this.#counters.failed += 1;
  }

  expired(n: number): void {
    this.#counters.timeout += n;
  }

  /** Sends a heartbeat if the last is a second old; never two at once, and a failure only waits for the next. */
  maybeBeat(store: FleetStore, now: number, held: number, capacity: number): void {
    if (store.heartbeat === undefined || this.#sending || now - this.#lastBeat < HEARTBEAT_MS) return;
    this.#lastBeat = now;
    this.#sending = true;
    this.#inFlight = this.#send(store, held, capacity).finally(() => {
      this.#sending = false;
    });
  }

  /**
   * At a clean shutdown: the increments since the last heartbeat (the ends settled in the last second), after
   * the heartbeat in flight, so that the fleet's counts miss none of them.
   */
  async flush(store: FleetStore, capacity: number): Promise<void> {
    await this.#inFlight;
    await this.#send(store, 0, capacity);
  }

  async #send(store: FleetStore, held: number, capacity: number): Promise<void> {
    const beat: FleetHeartbeat = { held, capacity, counters: { ...this.#counters } };
    await store.heartbeat?.(beat).catch(() => undefined);
  }
}
