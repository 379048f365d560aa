export { KieSimulator, startSimulator } from './server.js';
export { scriptedTasks } from './workload.js';
/** The simulator's seeded PRNG (mulberry32), for building deterministic workloads of your own. */
export { mulberry32 } from './prng.js';
export type { ScriptedTasksOptions } from './workload.js';
export type {
  KieSimulatorOptions,
  SimulatedFamily,
  SimulatedOutcome,
  SimulatedTaskSpec,
  SimulatorFaults,
  SimulatorGenerateOptions,
  SimulatorLogger,
  SimulatorStats,
  SimulatorTaskStats,
  SimulatorCallbackOptions,
  SimulatorCallbackKnobs,
  SimulatorCallbackLog,
  SimulatorCallbackStats,
  SimulatedCallbackDelivery,
  SimulatedCallbackAttempt,
  SimulatedDelay,
  SimulatorFileOptions,
  SimulatorFileStats,
} from './types.js';
export type { SimulatorCreationOptions, SimulatorCreateFaults, SimulatorCreateStats } from './create-types.js';
