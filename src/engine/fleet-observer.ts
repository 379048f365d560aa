import type { Clock } from '../clock.js';
import type { ProgressEvent } from '../events.js';
import type { TaskFamily } from '../families/family.js';
import type { Log } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import type { PollDriver, Scheduler } from './scheduler.js';
import type { Settlement, TaskEntry } from './task.js';

/**
 * All the engine knows of fleets (`src/fleet/`): what it tells the fleet while it runs, called only in fleet
 * mode. In process, the task's own state is all there is and nothing is told to anyone.
 */
export interface FleetObserver {
  /** An interest with this deadline (ms from now) was added to the task. */
  track(task: TaskEntry, timeoutMs: number): void;
  /** The task's progress event, decided while handling its answer. */
  progressed(task: TaskEntry, event: ProgressEvent): void;
  /**
   * The task reached its final outcome. `shared`: an outcome of the task itself (what the result cache keeps: a
   * success or the task's failure), which every process may use; otherwise (a transport error, an unreadable
   * answer, a task not visible yet) it ended this process's waits only.
   */
  settled(task: TaskEntry, settlement: Settlement, shared: boolean): void;
  /** An account-wide 429 pause of this long began. */
  pauseAccount(ms: number): void;
  /**
   * Whether a callback came for each taskId anywhere in the fleet lately (another process's handler, a serverless
   * one): an end this process's scheduled poll found is then not a lost callback.
   */
  callbacksSeen(taskIds: readonly string[]): Promise<readonly boolean[]>;
}

/** A fleet as the engine drives it: it decides which polls start (a {@link PollDriver}) and observes outcomes. */
export interface FleetMode extends PollDriver, FleetObserver {
  /**
   * A callback arrived for a taskId this process has no interest in under these families: whichever process polls
   * it does so soon (one round trip for all of them).
   */
  pokeRemote(families: readonly string[], taskId: string): void;
  /** The watcher halted: claims held now are given back unused. */
  releaseHeld(): void;
  /** The fleet's durable pending set, for `resume()`: tasks no live process holds an interest in. */
  resumable(): Promise<{ readonly family: string; readonly taskId: string; readonly watchedAt: number }[]>;
  /** After the watcher closed: hands back what it held and closes the fleet's connections. */
  shutdown(): Promise<void>;
}

/** What a fleet is built from: the engine's parts and the callbacks it answers with. */
export interface FleetHost {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly log: Log;
  /** Deadlines and in-flight slots stay local; the fleet starts polls through `startNow`. */
  readonly local: Scheduler;
  readonly family: (id: string) => TaskFamily | undefined;
  /** The local entry of a task, if this process watches it (or it is draining). */
  readonly entry: (family: string, taskId: string) => TaskEntry | undefined;
  /** Every task this process has an interest in, with the longest deadline left (ms). */
  readonly localTasks: () => Iterable<{ readonly task: TaskEntry; readonly timeoutMs: number }>;
  /** Another process settled a task: settle local interests, or keep it for late waiters. */
  readonly settleRemote: (family: string, taskId: string, settlement: Settlement) => void;
  /** Another process saw progress: tell local interests. */
  readonly progressRemote: (task: TaskEntry, event: { progress: number; status: string | null; state: ProgressEvent['state']; record: unknown }) => void;
  /** The fleet's store became unusable (`down`) or usable again (`up`). */
  readonly status: (status: 'up' | 'down', error?: Error) => void;
}

/** Builds the fleet mode of one engine (the `coordinator` option, wired by the watcher). */
export type FleetFactory = (host: FleetHost) => FleetMode;
