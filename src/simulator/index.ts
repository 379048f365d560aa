export { KieSimulator, startSimulator } from './server.js';
export { scriptedTasks } from './workload.js';
export type { ScriptedTasksOptions } from './workload.js';
export type {
  KieSimulatorOptions,
  SimulatedOutcome,
  SimulatedTaskSpec,
  SimulatorFaults,
  SimulatorGenerateOptions,
  SimulatorLogger,
  SimulatorStats,
  SimulatorTaskStats,
} from './types.js';
