import { subscribe } from 'node:diagnostics_channel';
import { rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { CHANNELS, TaskWatcher, type PollAnswerMessage, type PollStartMessage } from '../../index.js';
import { RedisCoordinator } from '../../redis/index.js';
import { makeLogger } from '../context.js';
import { scaledPolicy } from '../demo-policy.js';
import type { FromWorker, LastWords, RedisTarget, ToWorker, WorkerConfig } from './protocol.js';
import { sink } from '../io.js';
import { endingOf } from '../session.js';

/** Answers that end a task: the poll that got one found the result itself. */
const FINAL_ANSWERS = new Set<string>(['success', 'failure', 'task-failed']);
/** A worker that cannot reach Redis within this gives up before it is counted as ready. */
const CONNECT_TIMEOUT_MS = 10_000;

function send(message: FromWorker, then?: () => void): void {
  if (process.connected && process.send) process.send(message, undefined, {}, then);
  else then?.();
}

/** The store's own settings for a connection it makes: nothing queued while down, nothing resent after. */
function connect(target: RedisTarget): Redis {
  const options = { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false, enableOfflineQueue: false, connectionName: 'kie-watch-demo' } as const;
  return 'socket' in target
    ? new Redis({ ...options, path: target.socket })
    : new Redis(target.url, { ...options, ...(target.password === undefined ? {} : { password: target.password }) });
}

/** Resolves once the connection is ready: with `enableOfflineQueue` off, a command sent earlier would fail. */
function ready(redis: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * One process of `demo --workers`: a TaskWatcher on a RedisCoordinator that waits for every task the parent
 * names, counts the polls it sends (per task, through the watcher's diagnostics channel) and tells the parent
 * how each wait ended and whether its own poll found the result.
 */
class FleetWorker {
  readonly #config: WorkerConfig;
  readonly #redis: Redis;
  readonly #watcher: TaskWatcher;
  /** Polls started since the last `polls` message. */
  #counts: Record<string, number> = {};
  #flushScheduled = false;
  /** Tasks whose final answer this process's own poll received. */
  readonly #foundHere = new Set<string>();
  #dieAtNextPoll = false;
  #closing: Promise<void> | undefined;

  constructor(config: WorkerConfig, redis: Redis) {
    this.#config = config;
    this.#redis = redis;
    const logger = makeLogger(config.verbose, sink(process.stderr, (t) => t)).child({ worker: config.name });
    redis.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'redis connection error'));
    this.#watcher = new TaskWatcher({
      apiKey: config.apiKey,
      baseUrl: config.baseUrl,
      policy: scaledPolicy(config.policy, config.speed),
      logger,
      timeoutMs: config.timeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      coordinator: new RedisCoordinator({ redis, prefix: config.prefix, leaseMs: config.leaseMs }),
    });
    this.#watcher.on('coordinator', (e) => send({ type: 'coordinator', status: e.status, reason: e.reason }));
    this.#watcher.on('error', (e) => send({ type: 'error', message: e.message }));
    // Process-wide channels: this process runs one watcher, so every message is this watcher's.
    subscribe(CHANNELS.pollStart, (m) => this.#pollStarted(m as PollStartMessage));
    subscribe(CHANNELS.pollAnswer, (m) => {
      const answer = m as PollAnswerMessage;
      if (FINAL_ANSWERS.has(answer.kind)) this.#foundHere.add(answer.taskId);
    });
  }

  #pollStarted(m: PollStartMessage): void {
    if (this.#dieAtNextPoll) {
      // The claim of this task is now held by a process about to vanish: only its lease can free it.
      const words: LastWords = { type: 'dying', taskId: m.taskId };
      writeSync(1, `${JSON.stringify(words)}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
    this.#counts[m.taskId] = (this.#counts[m.taskId] ?? 0) + 1;
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // One message per turn of the event loop, however many polls a tick started.
    setImmediate(() => {
      this.#flushScheduled = false;
      const counts = this.#counts;
      this.#counts = {};
      send({ type: 'polls', counts });
    });
  }

  onMessage(m: ToWorker): void {
    switch (m.type) {
      case 'watch':
        for (const { taskId, family } of m.tasks) {
          this.#watcher.waitForCompletion(taskId, { family, timeoutMs: this.#config.timeoutMs }).then(
            () => send({ type: 'settled', taskId, ending: 'SUCCESS', own: this.#foundHere.has(taskId), at: Date.now() }),
            (error: unknown) => send({ type: 'settled', taskId, ending: endingOf(error), own: this.#foundHere.has(taskId), at: Date.now() }),
          );
        }
        return;
      case 'die-at-next-poll':
        this.#dieAtNextPoll = true;
        return;
      case 'close':
        void this.close();
        return;
      case 'start':
        return;
    }
  }

  /**
   * Closes the watcher (open waits end as interrupted), reports its counters, and exits. `orphaned`: the parent
   * died without closing anything (kill -9); the run's private redis-server would outlive it, so the first
   * worker to get here shuts it down and removes its directory.
   */
  close(orphaned = false): Promise<void> {
    this.#closing ??= (async () => {
      await this.#watcher.close();
      // The rejected waits report in their own callbacks; let them go out before `closed`.
      await new Promise((resolve) => setImmediate(resolve));
      const { requests, retries, rateLimited } = this.#watcher.stats();
      const target = this.#config.redis;
      if (orphaned && 'socket' in target) {
        await this.#redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
        rmSync(dirname(target.socket), { recursive: true, force: true });
      }
      this.#redis.disconnect();
      send({ type: 'closed', stats: { requests, retries, rateLimited } }, () => process.exit(0));
    })();
    return this.#closing;
  }
}

/** The entry of a forked worker: waits for its configuration, connects, and reports `ready`. */
export async function runFleetWorker(): Promise<void> {
  if (!process.send) {
    process.stderr.write('kie-watch: this process was started as a demo --workers worker but has no IPC channel\n');
    process.exitCode = 2;
    return;
  }
  const config = await new Promise<WorkerConfig>((resolve) => {
    const onStart = (m: ToWorker): void => {
      if (m.type !== 'start') return;
      process.off('message', onStart);
      resolve(m.config);
    };
    process.on('message', onStart);
  });
  const redis = connect(config.redis);
  try {
    await ready(redis);
  } catch (err) {
    if (redis.status !== 'end') redis.disconnect();
    send({ type: 'error', message: `${config.name} cannot reach Redis: ${(err as Error).message}` }, () => process.exit(1));
    return;
  }
  const worker = new FleetWorker(config, redis);
  process.on('message', (m: ToWorker) => worker.onMessage(m));
  // The parent is gone (killed, crashed): nobody reads our results any more.
  process.on('disconnect', () => void worker.close(true));
  send({ type: 'ready' });
}
