import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Cluster, Redis } from 'ioredis';
import { DEFAULT_PER_TASK_INTERVAL_MS, type RedisFleetStoreOptions } from './fleet-store-options.js';
import { decodeList, decodePoke, decodeRegister, decodeTick, listArgs, pauseArgs, pokeArgs, positive, registerArgs, tickArgs, type PokeReply, type RegisterTask } from './commands.js';
import { Connection, type LateReply } from './connection.js';
import { FleetUnavailableError } from '../errors.js';
import { HeartbeatWriter } from './fleet-stats.js';
import { accountKeys, checkName } from './keys.js';
import { LIST, PAUSE, POKE, REGISTER, TICK } from './scripts.js';
import type { LuaScript } from './script-runner.js';
import { StreamReader } from './stream-reader.js';
import type { FleetHeartbeat } from '../fleet/coordinator.js';
import type {
  Claim,
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

export { DEFAULT_PER_TASK_INTERVAL_MS, type FleetBudget, type RedisFleetStoreOptions } from './fleet-store-options.js';

const SILENT: FleetLogger = { debug() {}, info() {}, warn() {}, error() {} };
const REGISTER_CHUNK = 500;
/** How often ticks mark this process alive; a mark lasts 5 s (LIVE_MS in the scripts' prelude). */
const LIVE_EVERY_MS = 1000;
const LIST_CHUNK = 1000;

/**
 * The Redis side of a fleet of watcher processes: a durable pending set (task hashes plus a due zset),
 * one batched `tick` script per process that applies fence-checked reports and claims due tasks under the
 * per-task GCRA, the account budget and the account pause, all on Redis time; a results stream for fan-out.
 */
export class RedisFleetStore {
  readonly #conn: Connection;
  readonly #ownsRedis: boolean;
  readonly #cluster: boolean;
  readonly #keys: string[];
  /** The dashboard's view of this process (src/redis/fleet-stats.ts). */
  readonly #beats: HeartbeatWriter;
  #beaten = false;
  readonly #owner: string;
  readonly #leaseMs: number;
  readonly #intervalMs: number;
  readonly #budget: { intervalMs: number; burst: number } | null;
  readonly #resultTtlMs: number;
  readonly #sendGuardMs: number;
  readonly #validForMs: number;
  readonly #pokeMemoryMs: number;
  readonly #resultsMaxLen: number;
  readonly #eventsMaxLen: number;
  readonly #readBlockMs: number;
  readonly #clock: MonotonicClock;
  readonly #logger: FleetLogger;
  readonly #onReset: (() => void) | undefined;

  #epoch: string | null = null;
  /** This process's number in the fleet (`INCR procn`), which tasks record as interested; given by the first register. */
  #proc: number | null = null;
  /** When a tick last marked this process alive (monotonic ms). */
  #markedLiveAt = -Infinity;
  #closed = false;
  /** Claims never handed out (send guard, late replies): reported as `release` on the next tick. */
  #releases: Report[] = [];
  #reader: StreamReader | undefined;
  #readerStart: Promise<void> | undefined;
  readonly #listeners = new Set<(message: FleetMessage) => void>();

  constructor(options: RedisFleetStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const prefix = checkName('prefix', options.prefix ?? 'kie');
    const account = checkName('account', options.account ?? 'default');
    this.#owner = options.owner ?? `${hostname().slice(0, 32)}:${process.pid}:${randomBytes(3).toString('hex')}`;
    if (typeof this.#owner !== 'string' || this.#owner.length === 0 || Buffer.byteLength(this.#owner) > 64) throw new TypeError('owner must be a string of 1 to 64 bytes');
    this.#leaseMs = positive('leaseMs', options.leaseMs, 20_000, 10);
    this.#intervalMs = positive('perTaskIntervalMs', options.perTaskIntervalMs, DEFAULT_PER_TASK_INTERVAL_MS, 1, 3_600_000);
    this.#resultTtlMs = positive('resultTtlMs', options.resultTtlMs, 600_000);
    this.#sendGuardMs = positive('sendGuardMs', options.sendGuardMs, 100);
    const margin = positive('leaseMarginMs', options.leaseMarginMs, 1000, 0);
    if (margin >= this.#leaseMs) throw new RangeError('leaseMarginMs must be below leaseMs');
    this.#validForMs = Math.min(this.#sendGuardMs, this.#leaseMs - margin);
    const timeoutMs = positive('operationTimeoutMs', options.operationTimeoutMs, 2000);
    this.#pokeMemoryMs = positive('pokeMemoryMs', options.pokeMemoryMs, 60_000);
    this.#resultsMaxLen = Math.floor(positive('resultsMaxLen', options.resultsMaxLen, 10_000, 1, 1e9));
    this.#eventsMaxLen = Math.floor(positive('eventsMaxLen', options.eventsMaxLen, 10_000, 1, 1e9));
    const probeIntervalMs = positive('probeIntervalMs', options.probeIntervalMs, 500);
    this.#readBlockMs = Math.floor(positive('readBlockMs', options.readBlockMs, 2000));
    const budget = options.accountBudget ?? null;
    if (budget === null) this.#budget = null;
    else {
      const rps = positive('accountBudget.requestsPerSecond', budget.requestsPerSecond, 0, 0.001, 1e6);
      const burst = Math.floor(positive('accountBudget.burst', budget.burst, Math.max(1, Math.floor(rps)), 1, 1e6));
      this.#budget = { intervalMs: 1000 / rps, burst };
    }
    this.#clock = options.clock ?? { now: () => performance.now() };
    this.#logger = options.logger ?? SILENT;
    this.#onReset = options.onReset;

    let redis: Redis;
    if (typeof options.redis === 'string') {
      // Fail fast rather than queue: a call made while disconnected errors at once (the store reports
      // `down`), and nothing sent before a disconnect is silently resent after it.
      redis = new Redis(options.redis, { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, enableOfflineQueue: false });
      this.#ownsRedis = true;
    } else if (options.redis instanceof Redis || options.redis instanceof Cluster) {
      // A Cluster answers every command the store sends (all of an account's keys share one slot, by the hash
      // tag, so each script and each XREAD goes to one node): it is used through the same interface.
      redis = options.redis as Redis;
      this.#ownsRedis = false;
    } else {
      throw new TypeError('redis must be a URL string, an ioredis Redis instance or an ioredis Cluster');
    }
    const keyPrefix = options.redis instanceof Cluster ? (options.redis.options.keyPrefix ?? options.redis.options.redisOptions?.keyPrefix) : redis.options.keyPrefix;
    if (keyPrefix) throw new TypeError('an ioredis keyPrefix is not supported: use the `prefix` option');
    this.#cluster = options.redis instanceof Cluster;
    this.#keys = accountKeys(prefix, account);
    this.#beats = new HeartbeatWriter(`${prefix}:{${account}}:`, this.#owner);
    this.#conn = new Connection(redis, { timeoutMs, probeIntervalMs, logger: this.#logger, onStatus: options.onStatus });
  }

  /** Redis availability as last seen. */
  get status(): FleetStatus {
    return this.#conn.status;
  }

  /** This process's owner name. */
  get owner(): string {
    return this.#owner;
  }

  /**
   * Makes each task pending in the fleet unless it already is (then its deadline is extended), or returns
   * its stored result when it already settled, so a late waiter settles at once. A new task is due after
   * `delayMs` (default 0), or at once when a poke for it was remembered.
   */
  async register(tasks: readonly RegisterTask[]): Promise<RegisterOutcome[]> {
    const out: RegisterOutcome[] = [];
    for (let i = 0; i < tasks.length; i += REGISTER_CHUNK) {
      const chunk = tasks.slice(i, i + REGISTER_CHUNK);
      const reply = decodeRegister((await this.#run(REGISTER, registerArgs(this.#epoch, this.#proc, chunk))) as unknown[], chunk.length);
      const lost = this.#epoch !== null && this.#epoch !== reply.epoch;
      this.#seeEpoch(reply.epoch);
      // After a loss, the number went with the data (a new process may hold it now): the next register takes one.
      this.#proc = lost ? null : reply.proc;
      chunk.forEach((t, j) => {
        const o = reply.outcomes[j];
        const key = { family: t.key.family, taskId: t.key.taskId };
        if (o?.status === 'r') out.push({ key, status: 'settled', result: o.result });
        else out.push({ key, status: o?.status === 'n' ? 'new' : 'pending' });
      });
    }
    return out;
  }

  /**
   * One round trip: applies `reports` (and any releases the store owes), then claims up to `maxClaims`
   * due tasks. Send a claim at once: it must not be used after its `validUntil`.
   */
  async tick(reports: readonly Report[], maxClaims: number): Promise<TickResult> {
    const max = Math.floor(positive('maxClaims', maxClaims, 0, 0, 100_000));
    const owed = this.#releases;
    this.#releases = [];
    const all = owed.length === 0 ? reports : [...owed, ...reports];
    const args = tickArgs(
      {
        owner: this.#owner,
        leaseMs: this.#leaseMs,
        maxClaims: max,
        intervalMs: this.#intervalMs,
        budget: this.#budget,
        resultTtlMs: this.#resultTtlMs,
        resultsMaxLen: this.#resultsMaxLen,
        eventsMaxLen: this.#eventsMaxLen,
        scanLimit: max * 2 + 32,
        knownEpoch: this.#epoch,
        liveProc: this.#liveProc(),
      },
      all,
    );
    const sentAt = this.#clock.now();
    let reply: unknown[];
    try {
      reply = (await this.#run(TICK, args, (late) => this.#owe(decodeTick(late as unknown[], 0).claims))) as unknown[];
    } catch (err) {
      // The reports may not have been applied: keep the releases owed (a repeated release is harmless).
      this.#releases = [...owed, ...this.#releases];
      throw err;
    }
    const roundTripMs = this.#clock.now() - sentAt;
    const parsed = decodeTick(reply, sentAt + this.#validForMs);
    this.#seeEpoch(parsed.epoch);
    let claims = parsed.claims;
    let released = 0;
    if (roundTripMs > this.#sendGuardMs && claims.length > 0) {
      this.#logger.warn({ roundTripMs, claims: claims.length, sendGuardMs: this.#sendGuardMs }, 'fleet tick reply too slow: claims released unused');
      this.#owe(claims);
      released = claims.length;
      claims = [];
    }
    return {
      claims,
      redisNow: parsed.now,
      nextDueAt: parsed.nextDueAt,
      nextDueInMs: parsed.nextDueAt === null ? null : Math.max(0, parsed.nextDueAt - parsed.now),
      released,
      expired: parsed.expired,
      roundTripMs,
    };
  }

  /** Queues `release` reports for claims the caller will not use (e.g. past `validUntil`); sent with the next tick. */
  release(claims: readonly Claim[]): void {
    this.#owe(claims);
  }

  /**
   * Asks for a poll soon (a callback arrived): due now if not claimed; if claimed, the claimer's next report
   * makes it due at once; for a task nobody registered yet, remembered for `pokeMemoryMs`.
   */
  async poke(key: TaskKey): Promise<PokeReply> {
    const [reply] = await this.pokeAll([key]);
    return reply ?? 'unknown';
  }

  /** {@link poke} for several tasks (a taskId under several families) in one round trip; replies in order. */
  async pokeAll(keys: readonly TaskKey[]): Promise<PokeReply[]> {
    if (keys.length === 0) return [];
    return decodePoke(await this.#run(POKE, pokeArgs(keys, this.#pokeMemoryMs)));
  }

  /** Whether a poke (a callback) came for each taskId in the last minute (the `cb:<taskId>` marks pokes leave). */
  async callbacksSeen(taskIds: readonly string[]): Promise<boolean[]> {
    if (taskIds.length === 0) return [];
    const base = this.#base();
    const replies = await this.#conn.redis.mget(taskIds.map((id) => `${base}cb:${id}`));
    return replies.map((r) => r !== null);
  }

  /** Pauses claiming fleet-wide for `ms` (an account-wide 429 storm); never shortens a longer pause. Returns the pause left. */
  async pause(ms: number): Promise<number> {
    return Number(await this.#run(PAUSE, pauseArgs(ms)));
  }

  /**
   * Every pending task of the account, or with `unheld`, for `resume()`, only those no live process holds an
   * interest in (a process that registered the task and ticked or registered in the last 5 s).
   */
  async listPending(options: { readonly unheld?: boolean | undefined } = {}): Promise<PendingTask[]> {
    const seen = new Map<string, PendingTask>();
    let cursor = '0';
    do {
      const reply = decodeList((await this.#run(LIST, listArgs(cursor, LIST_CHUNK, options.unheld !== true))) as unknown[]);
      cursor = reply.cursor;
      for (const t of reply.tasks) seen.set(t.member, { key: t.key, watchedAt: t.watchedAt, deadlineAt: t.deadlineAt });
    } while (cursor !== '0');
    return [...seen.values()];
  }

  /**
   * Delivers results and progress events of every process to `listener`. The promise resolves once the
   * reader is listening (register waiters after that, and read stored results on `resync`); the function
   * it resolves to removes the listener. One reader connection serves every listener of the store.
   */
  async subscribe(listener: (message: FleetMessage) => void): Promise<() => void> {
    if (this.#closed) throw new FleetUnavailableError('the store is closed');
    this.#listeners.add(listener);
    if (this.#reader === undefined) {
      const own = { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, enableOfflineQueue: false, connectionName: 'kie-fleet-reader' };
      const conn = this.#cluster
        ? ((this.#conn.redis as unknown as Cluster).duplicate([], { enableOfflineQueue: false, redisOptions: own }) as unknown as Redis)
        : this.#conn.redis.duplicate(own);
      conn.on('error', this.#conn.onError);
      const reader = new StreamReader(conn, [this.#keys[1] as string, this.#keys[2] as string], (m) => this.#fanOut(m), this.#logger, this.#readBlockMs, this.#resultsMaxLen);
      this.#reader = reader;
      this.#readerStart = reader.start().catch(async (err: unknown) => {
        // Redis went away while the reader found its start: the next subscribe starts a new one (a failed
        // start kept here would fail every later subscribe, and this process would never hear a result).
        if (this.#reader === reader) {
          this.#reader = undefined;
          this.#readerStart = undefined;
        }
        await reader.close();
        throw err;
      });
    }
    try {
      await this.#readerStart;
    } catch (err) {
      this.#listeners.delete(listener);
      throw err;
    }
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Resolves when Redis is usable again (at once when it is). */
  waitUntilUp(signal?: AbortSignal): Promise<void> {
    return this.#conn.waitUntilUp(signal);
  }

  /**
   * Writes this process's heartbeat for the fleet's dashboard: one pipeline of a few commands (its own hash,
   * the process list, its counters' increments in the current 10-second bucket). Nothing while Redis is down.
   */
  async heartbeat(beat: FleetHeartbeat): Promise<void> {
    if (this.#closed || this.#conn.status !== 'up') return;
    const budget = this.#budget === null ? null : { requestsPerSecond: 1000 / this.#budget.intervalMs, burst: this.#budget.burst };
    await this.#beats.write(this.#conn.redis, { ...beat, budget });
    this.#beaten = true;
  }

  /**
   * Stops the reader and the probe, sends the releases still owed (best effort), takes this process off the
   * dashboard's list, and closes the connections this store made. A client passed in stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#releases.length > 0 && this.#conn.status === 'up') await this.tick([], 0).catch(() => undefined);
    if (this.#beaten && this.#conn.status === 'up') await this.#beats.remove(this.#conn.redis).catch(() => undefined);
    // A closed process holds nothing: its replacement's resume() (a rolling restart) takes its tasks at once,
    // not after the liveness a kill -9 needs to lapse.
    if (this.#proc !== null && this.#conn.status === 'up') await this.#conn.redis.del(`${this.#base()}live:${this.#proc}`).catch(() => undefined);
    this.#closed = true;
    this.#listeners.clear();
    await this.#reader?.close();
    await this.#conn.close(this.#ownsRedis);
  }

  // --- internals

  /** The account's key prefix, `<prefix>:{<account>}:`. */
  #base(): string {
    return (this.#keys[0] ?? '').slice(0, -'due'.length);
  }

  #fanOut(message: FleetMessage): void {
    for (const l of this.#listeners) l(message);
  }

  #owe(claims: readonly Claim[]): void {
    for (const c of claims) this.#releases.push({ kind: 'release', key: c.key, fence: c.fence });
  }

  /** This process's number once a second (a tick marks it alive for 5 s), else `null`. */
  #liveProc(): number | null {
    const now = this.#clock.now();
    if (this.#proc === null || now - this.#markedLiveAt < LIVE_EVERY_MS) return null;
    this.#markedLiveAt = now;
    return this.#proc;
  }

  #seeEpoch(epoch: string): void {
    if (this.#epoch !== null && this.#epoch !== epoch) {
      // The numbers were lost with the data: take a new one, which no process of the new copy holds.
      this.#proc = null;
      this.#logger.warn({ previous: this.#epoch, epoch }, 'fleet data was lost (Redis restarted without persistence?): waiters must register again');
      this.#epoch = epoch;
      this.#onReset?.();
      return;
    }
    this.#epoch = epoch;
  }

  #run(script: LuaScript, args: readonly (string | number)[], late?: LateReply): Promise<unknown> {
    if (this.#closed) return Promise.reject(new FleetUnavailableError('the store is closed'));
    return this.#conn.run(script, this.#keys, args, late);
  }
}
