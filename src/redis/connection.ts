import type { Redis } from 'ioredis';
import { FleetUnavailableError } from '../errors.js';
import { isUnavailable } from './unavailable.js';
import type { LuaScript } from './script-runner.js';
import type { FleetLogger, FleetStatus } from './types.js';

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  /** A call Redis has not answered within this fails with {@link FleetUnavailableError} and reports `down`. */
  readonly timeoutMs: number;
  /** While down, how often Redis is probed with PING. */
  readonly probeIntervalMs: number;
  readonly logger: FleetLogger;
  readonly onStatus: ((status: FleetStatus, error?: Error) => void) | undefined;
}

/** Called with the reply if it arrives after the call already failed on its timeout. */
export type LateReply = (reply: unknown) => void;

/**
 * One Redis connection's health, as the fleet sees it: `up` until a call fails or times out (or the
 * connection closes), then `down` and probed with PING until it answers. Script calls go through `run`, which
 * bounds each by `timeoutMs`, so a frozen Redis is noticed as fast as a dead one.
 */
export class Connection {
  readonly redis: Redis;
  readonly #o: ConnectionOptions;
  #status: FleetStatus = 'up';
  /** Whether the connection was ever ready: only a first connect is waited for, a lost one fails fast. */
  #connectedOnce = false;
  #closed = false;
  #probe: NodeJS.Timeout | undefined;
  #upWaiters: (() => void)[] = [];

  readonly #onClose = (): void => {
    if (!this.#closed) this.#markDown(new FleetUnavailableError('the Redis connection closed'));
  };
  readonly #onReady = (): void => {
    this.#connectedOnce = true;
    if (this.#status === 'down') this.#probeNow();
  };
  readonly onError = (err: Error): void => {
    this.#o.logger.debug({ err: { message: err.message } }, 'fleet redis connection error');
  };

  constructor(redis: Redis, options: ConnectionOptions) {
    this.redis = redis;
    this.#o = options;
    redis.on('close', this.#onClose);
    redis.on('ready', this.#onReady);
    redis.on('error', this.onError);
  }

  get status(): FleetStatus {
    return this.#status;
  }

  /** Runs a script within the timeout; marks the connection down when Redis is unreachable or too slow. */
  async run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[], late?: LateReply): Promise<unknown> {
    if (this.#closed) throw new FleetUnavailableError('the store is closed');
    if (this.redis.status === 'ready') this.#connectedOnce = true;
    else await this.#awaitReady();
    const call = script.run(this.redis, keys, args);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new FleetUnavailableError(`Redis did not answer within ${this.#o.timeoutMs} ms`));
      }, this.#o.timeoutMs);
      timer.unref();
    });
    call.then(
      (reply) => {
        if (timedOut) late?.(reply);
      },
      () => undefined,
    );
    try {
      const reply = await Promise.race([call, timeout]);
      this.#markUp();
      return reply;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      const e = err instanceof FleetUnavailableError ? err : new FleetUnavailableError(`Redis unavailable: ${(err as Error).message}`, { cause: err });
      this.#markDown(e);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when Redis is usable again (at once when it is). */
  waitUntilUp(signal?: AbortSignal): Promise<void> {
    if (this.#status === 'up') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#upWaiters = this.#upWaiters.filter((w) => w !== done);
        reject(signal?.reason);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#upWaiters.push(done);
    });
  }

  /** Stops probing and listening; `quit` also closes the connection. */
  async close(quit: boolean): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#probe);
    this.redis.off('close', this.#onClose);
    this.redis.off('ready', this.#onReady);
    this.redis.off('error', this.onError);
    if (!quit) return;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /** Waits a bounded time for a connection that is still being made (at start-up); fails fast otherwise. */
  async #awaitReady(): Promise<void> {
    const r = this.redis;
    if (r.status === 'wait') r.connect().catch(() => undefined);
    // A Cluster client may pass through 'reconnecting' before its first 'ready' (its first slots refresh found
    // a node that did not know every slot yet): still starting, not down.
    const starting = r.status === 'connecting' || r.status === 'connect' || r.status === 'wait' || r.status === 'reconnecting';
    if (starting && !this.#connectedOnce) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          r.off('ready', done);
          r.off('close', done);
          resolve();
        };
        const t = setTimeout(done, this.#o.timeoutMs);
        t.unref();
        r.once('ready', done);
        r.once('close', done);
      });
    }
    if (r.status !== 'ready') {
      const e = new FleetUnavailableError(`Redis is not connected (${r.status})`);
      this.#markDown(e);
      throw e;
    }
  }

  #markDown(error: Error): void {
    if (this.#closed || this.#status === 'down') return;
    this.#status = 'down';
    this.#o.logger.warn({ err: { message: error.message } }, 'fleet redis down: claiming paused');
    this.#o.onStatus?.('down', error);
    this.#scheduleProbe();
  }

  #markUp(): void {
    if (this.#status === 'up' || this.#closed) return;
    this.#status = 'up';
    clearTimeout(this.#probe);
    this.#probe = undefined;
    this.#o.logger.info({}, 'fleet redis up again');
    this.#o.onStatus?.('up');
    const waiters = this.#upWaiters;
    this.#upWaiters = [];
    for (const w of waiters) w();
  }

  #scheduleProbe(): void {
    clearTimeout(this.#probe);
    this.#probe = setTimeout(() => this.#probeNow(), this.#o.probeIntervalMs);
    this.#probe.unref();
  }

  #probeNow(): void {
    if (this.#closed || this.#status === 'up') return;
    if (this.redis.status !== 'ready') {
      this.#scheduleProbe();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('probe timed out')), this.#o.timeoutMs);
      timer.unref();
    });
    Promise.race([this.redis.ping(), timeout]).then(
      () => {
        clearTimeout(timer);
        this.#markUp();
      },
      () => {
        clearTimeout(timer);
        this.#scheduleProbe();
      },
    );
  }
}
