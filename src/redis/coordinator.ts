import type { Redis } from 'ioredis';
import type { Coordinator, CoordinatorParams, FleetStore } from '../fleet/coordinator.js';
import { RedisFleetStore } from './fleet-store.js';

/** Options of {@link RedisCoordinator}. */
export interface RedisCoordinatorOptions {
  /**
   * A Redis (or Valkey) URL, or an ioredis instance. A client passed in stays open when the watcher closes;
   * connections made from a URL are closed with it.
   */
  readonly redis: string | Redis;
  /** Key prefix: fleets with different prefixes share nothing. @default 'kie' */
  readonly prefix?: string | undefined;
  /**
   * The account's name in the keys (their Redis Cluster hash tag). Processes using the same API key must use
   * the same name; by default it is derived from a hash of the key (the key itself is never stored).
   * @default 'k' + 12 hex digits of SHA-256(apiKey)
   */
  readonly account?: string | undefined;
  /**
   * How long a process may hold a claim before another may poll the task (a `kill -9`'d worker's tasks are
   * taken over after it). Must outlast the request timeout. @default requestTimeoutMs + 5000
   */
  readonly leaseMs?: number | undefined;
  /**
   * A claim whose tick reply took longer (or that is used later) is given back unused. It spends the
   * watcher's `rateJitterMarginMs`: for a Redis farther than ~100 ms away, raise that option, and this follows.
   * @default the watcher's rateJitterMarginMs - 20 (100)
   */
  readonly sendGuardMs?: number | undefined;
  /** A Redis call not answered within this counts as Redis down (polling pauses). @default 2000 */
  readonly operationTimeoutMs?: number | undefined;
}

/** Where a fleet's keys live. */
export interface FleetConnection {
  /** A Redis URL or an ioredis client. */
  readonly redis: string | Redis;
  /** The key prefix. */
  readonly prefix: string;
}

/**
 * Runs watchers as a fleet on Redis: `new TaskWatcher({ apiKey, coordinator: new RedisCoordinator({ redis }) })`
 * in every process. Needs `ioredis` (an optional peer dependency). See docs/fleet.md.
 */
export class RedisCoordinator implements Coordinator {
  readonly #options: RedisCoordinatorOptions;

  constructor(options: RedisCoordinatorOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('kie-watcher: RedisCoordinator options must be an object');
    if (typeof options.redis !== 'string' && (typeof options.redis !== 'object' || options.redis === null)) {
      throw new TypeError('kie-watcher: RedisCoordinator option `redis` must be a URL or an ioredis instance');
    }
    this.#options = options;
  }

  /** The Redis (URL or client) and key prefix of this fleet: what `createDashboard({ coordinator })` reads. */
  get connection(): FleetConnection {
    return { redis: this.#options.redis, prefix: this.#options.prefix ?? 'kie' };
  }

  /** Called by the watcher: a store for its account, with its limits. */
  open(params: CoordinatorParams): FleetStore {
    const o = this.#options;
    return new RedisFleetStore({
      redis: o.redis,
      prefix: o.prefix,
      account: o.account ?? params.account,
      leaseMs: o.leaseMs ?? params.requestTimeoutMs + 5_000,
      perTaskIntervalMs: params.perTaskIntervalMs,
      accountBudget: params.accountRequestsPerSecond === null ? null : { requestsPerSecond: params.accountRequestsPerSecond },
      resultTtlMs: params.resultTtlMs,
      sendGuardMs: o.sendGuardMs ?? params.sendGuardMs,
      operationTimeoutMs: o.operationTimeoutMs,
      logger: params.log,
      onStatus: params.onStatus,
      onReset: params.onReset,
    });
  }
}
