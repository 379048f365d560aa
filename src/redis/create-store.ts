import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { KeyBook, KeyRecord } from '../create/keys.js';
import type { CreationLimit, SlotDecision } from '../create/window.js';
import { createSlotArgs, decodeCreateSlot, decodeSubmitKey, submitKeyArgs, type SubmitKeyReply } from './commands.js';
import { Connection } from './connection.js';
import { CREATE_SLOT, SUBMIT_KEY } from './scripts.js';
import type { LuaScript } from './script-runner.js';
import type { FleetLogger } from './types.js';

/** What a {@link RedisCreateStore} needs: where the fleet is, the account, and its creation limit. */
export interface RedisCreateStoreOptions {
  readonly redis: string | Redis;
  readonly prefix: string;
  readonly account: string;
  /** At most this many creates arrive at the provider in any `windowMs`, fleet-wide. */
  readonly requests: number;
  readonly windowMs: number;
  /** The longest a create may be out before it has surely arrived and ended, ms. */
  readonly maxOutMs: number;
  readonly operationTimeoutMs: number;
  readonly logger: FleetLogger;
}

/** How long a key is remembered after its create, as in memory and in a file store. */
const KEY_TTL_MS = 24 * 3_600_000;

/**
 * The fleet's side of creating tasks: submit keys every process sees (in flight, created, unknown) and the
 * account's creation limit, both in Redis and both on Redis `TIME`, so that hosts whose clocks disagree still
 * share one window. The connection is made on the first create.
 */
export class RedisCreateStore implements KeyBook, CreationLimit {
  readonly #o: RedisCreateStoreOptions;
  readonly #slots: string;
  readonly #keyPrefix: string;
  /** This process's claims: key -> token (only the claimer settles or releases a key). */
  readonly #tokens = new Map<string, string>();
  readonly #id = randomBytes(6).toString('hex');
  #next = 0;
  #conn: Connection | undefined;
  #ownsRedis = false;
  #opening: Promise<void> | undefined;

  constructor(options: RedisCreateStoreOptions) {
    this.#o = options;
    const base = `${options.prefix}:{${options.account}}:`;
    this.#slots = `${base}cs`;
    this.#keyPrefix = `${base}sk:`;
  }

  async take(): Promise<SlotDecision> {
    const slot = `${this.#id}:${(this.#next += 1)}`;
    const reply = decodeCreateSlot((await this.#call(CREATE_SLOT, [this.#slots], createSlotArgs('take', slot, this.#o))) as unknown[]);
    return reply.allowed ? { allowed: true, slot } : { allowed: false, retryInMs: reply.retryInMs };
  }

  async ended(slot: string, marginMs: number): Promise<void> {
    // The script dates the end on Redis time, after the answer came (never on this host's clock, which may be off).
    await this.#call(CREATE_SLOT, [this.#slots], createSlotArgs('end', slot, this.#o, marginMs));
  }

  async giveBack(slot: string): Promise<void> {
    await this.#call(CREATE_SLOT, [this.#slots], createSlotArgs('back', slot, this.#o));
  }

  async get(key: string): Promise<KeyRecord | undefined> {
    return toRecord(await this.#key(key, 'get', ''));
  }

  async claim(key: string, family: string, _sentAt: number, resubmit: boolean): Promise<KeyRecord | undefined> {
    const token = `${this.#id}:${(this.#next += 1)}`;
    const reply = await this.#key(key, 'claim', token, [family, Math.ceil(this.#o.maxOutMs), resubmit ? '1' : '0']);
    if (reply.state !== 'claimed') return toRecord(reply);
    this.#tokens.set(key, token);
    return undefined;
  }

  async settle(key: string, record: KeyRecord): Promise<void> {
    const token = this.#tokens.get(key);
    if (token === undefined || record.state === 'sending') return;
    this.#tokens.delete(key);
    await this.#key(key, record.state, token, [record.state === 'created' ? record.taskId : record.reason]);
  }

  async release(key: string): Promise<void> {
    const token = this.#tokens.get(key);
    if (token === undefined) return;
    this.#tokens.delete(key);
    await this.#key(key, 'release', token);
  }

  /** Closes the connection if one was made here (an ioredis instance passed in stays open). */
  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.close(this.#ownsRedis);
  }

  async #key(key: string, op: Parameters<typeof submitKeyArgs>[0], token: string, extra: readonly (string | number)[] = []): Promise<SubmitKeyReply> {
    const reply = await this.#call(SUBMIT_KEY, [this.#keyPrefix + key], submitKeyArgs(op, token, KEY_TTL_MS, extra));
    return Array.isArray(reply) ? decodeSubmitKey(reply) : decodeSubmitKey([0, 'applied']);
  }

  /**
   * One script call. While the connection is still opening, calls wait for the first one: each call would
   * otherwise wait on the client's events itself, and a burst of creates at start-up would stack hundreds of
   * listeners on it.
   */
  async #call(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const conn = this.#connection();
    if (conn.redis.status !== 'ready' && this.#opening !== undefined) await this.#opening;
    const call = conn.run(script, keys, args);
    if (conn.redis.status !== 'ready' && this.#opening === undefined) {
      const clear = (): void => {
        this.#opening = undefined;
      };
      this.#opening = call.then(clear, clear);
    }
    return call;
  }

  #connection(): Connection {
    if (this.#conn !== undefined) return this.#conn;
    const o = this.#o;
    let redis: Redis;
    if (typeof o.redis === 'string') {
      // As the fleet store's: fail fast rather than queue a create's bookkeeping behind a dead connection.
      redis = new Redis(o.redis, { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, enableOfflineQueue: false, connectionName: 'kie-create' });
      this.#ownsRedis = true;
    } else {
      redis = o.redis;
    }
    this.#conn = new Connection(redis, { timeoutMs: o.operationTimeoutMs, probeIntervalMs: 500, logger: o.logger, onStatus: undefined });
    return this.#conn;
  }
}

function toRecord(r: SubmitKeyReply): KeyRecord | undefined {
  const family = r.family;
  switch (r.state) {
    case '':
      return undefined;
    case 'created':
      return { state: 'created', family, taskId: r.taskId, sentAt: r.sentAt };
    case 'unknown':
      return { state: 'unknown', family, sentAt: r.sentAt, reason: r.reason || 'unknown outcome' };
    default: {
      // Out in a process that may still be waiting for its answer, until its bound; past it, that process stopped.
      const left = r.until === null ? 0 : r.until - r.now;
      return left > 0 ? { state: 'sending', family, sentAt: r.sentAt, settlesInMs: left } : { state: 'sending', family, sentAt: r.sentAt };
    }
  }
}
