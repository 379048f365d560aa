import type { CreateEndpoints } from './creates.js';
import type { SimulatorCreateFaults, SimulatorCreateStats } from './create-types.js';
import type { FaultInjector } from './faults.js';
import type { SimulatorFiles } from './files.js';
import type { RateWindows } from './rate-window.js';
import type { TaskState } from './record.js';
import type {
  SimulatedTaskSpec,
  SimulatorCallbackLog,
  SimulatorCallbackOptions,
  SimulatorFaults,
  SimulatorFileOptions,
  SimulatorFileStats,
  SimulatorLogger,
  SimulatorStats,
  SimulatorTaskStats,
} from './types.js';

/** Counters the routes bump; the simulator reports them in `stats()`. */
export interface SimulatorCounters {
  requests: number;
  unauthorized: number;
  unknownTask: number;
}

/** The simulator's public control surface, as the `/__sim/` routes drive it. */
export interface SimulatorControl {
  stats(): SimulatorStats;
  taskStats(taskId: string): SimulatorTaskStats | undefined;
  allTaskStats(): SimulatorTaskStats[];
  addTasks(specs: readonly SimulatedTaskSpec[]): string[];
  setFaults(faults: SimulatorFaults): void;
  resetStats(): void;
  setCallbackOptions(options: SimulatorCallbackOptions): void;
  callbackLog(): SimulatorCallbackLog;
  setFileOptions(options: SimulatorFileOptions): void;
  fileStats(): SimulatorFileStats;
  createStats(): SimulatorCreateStats;
  setCreateFaults(faults: SimulatorCreateFaults): void;
  setCredits(credits: number): void;
}

/**
 * What a route may use of the simulator: its clock, tasks, counters, rate windows and faults. Routes live in
 * `routes/`, one file per concern; the server owns this state and hands it to each of them.
 */
export interface SimulatorContext {
  readonly apiKey: string;
  readonly logger: SimulatorLogger | undefined;
  /** The simulator clock, in ms. */
  now(): number;
  readonly tasks: ReadonlyMap<string, TaskState>;
  readonly counters: SimulatorCounters;
  readonly windows: RateWindows;
  readonly faults: FaultInjector;
  /** The create endpoints (every family's) and the credit balance. */
  readonly creates: CreateEndpoints;
  /** Adds a task created now; `withId` shapes the spec once its id is drawn. Returns the id. */
  addTask(spec: SimulatedTaskSpec, paramJson: string | undefined, withId?: (id: string) => SimulatedTaskSpec): string;
  /** Runs `fn` after `ms` unless the simulator closes first; the timer is cleared if `res` closes. */
  later(ms: number, fn: () => void, res: { once(event: 'close', listener: () => void): unknown }): void;
  /** Result files: the download-url endpoints and the direct links. */
  readonly files: SimulatorFiles;
  readonly control: SimulatorControl;
}
