import type { Cluster, Redis } from 'ioredis';
import type { CallbackDelivery, CallbackFleetTarget } from '../callbacks/core.js';
import { accountOf } from '../fleet/account.js';
import type { Coordinator, CoordinatorParams, CreateCoordinatorParams, CreateFleet, FleetStore } from '../fleet/coordinator.js';
import { CallbackPoker, callbackFamilies } from './callback-poker.js';
import { RedisCreateStore } from './create-store.js';
import { RedisFleetStore } from './fleet-store.js';
import { checkName } from './keys.js';

/** Options of {@link RedisCoordinator}. */
export interface RedisCoordinatorOptions {
  /**
   * A Redis (or Valkey) URL, or an ioredis instance. A client passed in stays open when the watcher closes;
   * connections made from a URL are closed with it.
   */
  readonly redis: string | Redis | Cluster;
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
  /**
   * Only for a coordinator used without a watcher, by a callback handler (a serverless function): the API key
   * the fleet's watchers use, to name the account as they do (a hash; the key is neither stored nor sent). Give
   * this or `account`.
   */
  readonly apiKey?: string | undefined;
  /**
   * Custom families' ids a callback handler may receive callbacks for: a callback whose body does not say its
   * family pokes that taskId under each built-in family and these. @default none (the built-in families only)
   */
  readonly callbackFamilies?: readonly string[] | undefined;
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
export class RedisCoordinator implements Coordinator, CallbackFleetTarget {
  readonly #options: RedisCoordinatorOptions;
  #poker: CallbackPoker | undefined;

  constructor(options: RedisCoordinatorOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('kie-watcher: RedisCoordinator options must be an object');
    if (typeof options.redis !== 'string' && (typeof options.redis !== 'object' || options.redis === null)) {
      throw new TypeError('kie-watcher: RedisCoordinator option `redis` must be a URL or an ioredis instance');
    }
    if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || options.apiKey === '')) {
      throw new TypeError('kie-watcher: RedisCoordinator option `apiKey` must be a non-empty string when given');
    }
    if (options.account !== undefined) checkName('account', options.account);
    for (const f of options.callbackFamilies ?? []) {
      if (typeof f !== 'string' || !/^[a-z0-9-]+$/.test(f)) throw new TypeError('kie-watcher: RedisCoordinator option `callbackFamilies` must list family ids ([a-z0-9-]+)');
    }
    this.#options = options;
  }

  /** The Redis (URL or client) and key prefix of this fleet: what `createDashboard({ coordinator })` reads. */
  get connection(): FleetConnection {
    return { redis: this.#asClient(), prefix: this.#options.prefix ?? 'kie' };
  }

  /**
   * A callback handler's poke, with no watcher in this process (`createFetchCallbackHandler(coordinator, ...)`):
   * one script call that remembers the delivery for every process (a replay anywhere pokes nothing) and makes the
   * task due at once for whichever process claims it next (or flags the claim being polled). It never claims or
   * polls. The first call opens the connection. Needs `apiKey` or `account`.
   */
  pokeCallback(delivery: CallbackDelivery): Promise<'poked' | 'duplicate'> {
    try {
      this.#poker ??= this.#makePoker();
      return this.#poker.poke(delivery);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Closes the connection `pokeCallback` opened, if any (watchers close their own stores). */
  async close(): Promise<void> {
    const poker = this.#poker;
    this.#poker = undefined;
    await poker?.close();
  }

  #makePoker(): CallbackPoker {
    const o = this.#options;
    const account = o.account ?? (o.apiKey === undefined ? undefined : accountOf(o.apiKey));
    if (account === undefined) {
      throw new TypeError('kie-watcher: a RedisCoordinator that pokes the fleet without a watcher needs `apiKey` (the one the watchers use) or `account`');
    }
    return new CallbackPoker({
      redis: this.#asClient(),
      prefix: checkName('prefix', o.prefix ?? 'kie'),
      account,
      families: callbackFamilies(o.callbackFamilies),
      operationTimeoutMs: o.operationTimeoutMs ?? 2_000,
      pokeMemoryMs: 60_000,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
  }

  /** Called by the watcher's first create: the fleet's submit keys and creation limit, on their own connection. */
  openCreate(params: CreateCoordinatorParams): CreateFleet {
    const o = this.#options;
    const store = new RedisCreateStore({
      redis: this.#asClient(),
      prefix: checkName('prefix', o.prefix ?? 'kie'),
      account: o.account ?? params.account,
      requests: params.requests,
      windowMs: params.windowMs,
      maxOutMs: params.maxOutMs,
      operationTimeoutMs: o.operationTimeoutMs ?? 2_000,
      logger: params.log,
    });
    return { keys: store, limit: store };
  }

  /**
   * The client as the callback poker, the creation store and the dashboard type it: they send only commands
   * and pipelines on one account's keys, which share a slot, so a Cluster serves them as a single node does.
   */
  #asClient(): string | Redis {
    return this.#options.redis as string | Redis;
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
      // 0 (no result cache, as in process) still fans the result out; it is kept for 1 ms, not for late waiters.
      resultTtlMs: Math.max(1, params.resultTtlMs),
      sendGuardMs: o.sendGuardMs ?? params.sendGuardMs,
      operationTimeoutMs: o.operationTimeoutMs,
      logger: params.log,
      onStatus: params.onStatus,
      onReset: params.onReset,
    });
  }
}
