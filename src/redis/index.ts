/**
 * `kie-watcher/redis`: the Redis (or Valkey) side of a fleet of watcher processes. Needs `ioredis` (an
 * optional peer dependency of kie-watcher); the core package never imports this entry.
 */
export { RedisCoordinator, type RedisCoordinatorOptions, type FleetConnection } from './coordinator.js';
export { RedisFleetStore, DEFAULT_PER_TASK_INTERVAL_MS, type RedisFleetStoreOptions, type FleetBudget } from './fleet-store.js';
export { FleetUnavailableError } from '../errors.js';
export type { PokeReply, RegisterTask } from './commands.js';
export { SCRIPT_KEYS } from './keys.js';
export type {
  Claim,
  FleetHeartbeat,
  FleetLogger,
  FleetMessage,
  FleetStatus,
  MonotonicClock,
  PendingTask,
  RegisterOutcome,
  Report,
  TaskKey,
  TickResult,
} from './types.js';
