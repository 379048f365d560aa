import { Redis } from 'ioredis';
import type { CallbackDelivery } from '../callbacks/core.js';
import { positive } from './commands.js';
import { Connection } from './connection.js';
import { accountKeys, BUILT_IN_FAMILIES, memberOf } from './keys.js';
import { CALLBACK_POKE } from './scripts.js';
import type { FleetLogger } from './types.js';

/** What a {@link CallbackPoker} needs: where the fleet is, and under which account. */
export interface CallbackPokerOptions {
  readonly redis: string | Redis;
  readonly prefix: string;
  readonly account: string;
  /** Families a callback with no family in its body may be for: one member each is poked. */
  readonly families: readonly string[];
  readonly operationTimeoutMs: number;
  /** How long a poke of a task no process registered yet is remembered (its first poll goes at once anyway). */
  readonly pokeMemoryMs: number;
  readonly logger: FleetLogger;
}

const SILENT: FleetLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A callback handler's side of the fleet, for a process with no watcher (a serverless function): each delivery
 * is one script call that remembers it fleet-wide (a replay, wherever it lands, pokes nothing) and pokes the
 * task's member(s). The connection is made on the first delivery, not before: a cold function that never
 * receives a callback opens none.
 */
export class CallbackPoker {
  readonly #o: CallbackPokerOptions;
  readonly #keys: string[];
  #conn: Connection | undefined;
  #ownsRedis = false;

  constructor(options: CallbackPokerOptions) {
    this.#o = { ...options, logger: options.logger ?? SILENT };
    this.#keys = accountKeys(options.prefix, options.account);
  }

  /** Whether a connection was made (for tests of the lazy start). */
  get connected(): boolean {
    return this.#conn !== undefined;
  }

  async poke(delivery: CallbackDelivery): Promise<'poked' | 'duplicate'> {
    const families = delivery.family !== undefined ? [delivery.family] : this.#o.families;
    const members = families.map((family) => memberOf({ family, taskId: delivery.taskId }));
    const rememberMs = Math.ceil(positive('rememberMs', Math.max(1, delivery.rememberMs), 1));
    // A poke for a task no process registered yet is remembered only when its family is known: with a guess per
    // family it would leave a key for every family but one.
    const memoryMs = delivery.family !== undefined ? Math.ceil(this.#o.pokeMemoryMs) : 0;
    const reply = await this.#connection().run(CALLBACK_POKE, this.#keys, [delivery.deliveryKey, rememberMs, memoryMs, ...members]);
    return String(reply) === 'duplicate' ? 'duplicate' : 'poked';
  }

  /** Closes the connection if one was made here (an ioredis instance passed in stays open). */
  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.close(this.#ownsRedis);
  }

  #connection(): Connection {
    if (this.#conn !== undefined) return this.#conn;
    const o = this.#o;
    let redis: Redis;
    if (typeof o.redis === 'string') {
      // As the fleet store's: fail fast rather than queue a poke behind a dead connection.
      redis = new Redis(o.redis, { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, enableOfflineQueue: false, connectionName: 'kie-callback-poker' });
      this.#ownsRedis = true;
    } else {
      redis = o.redis;
    }
    this.#conn = new Connection(redis, { timeoutMs: o.operationTimeoutMs, probeIntervalMs: 500, logger: o.logger, onStatus: undefined });
    return this.#conn;
  }
}

/** The families a coordinator pokes for a callback that does not say: the built-in ones, and any given. */
export function callbackFamilies(extra: readonly string[] | undefined): readonly string[] {
  return [...new Set([...BUILT_IN_FAMILIES, ...(extra ?? [])])];
}
