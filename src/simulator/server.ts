import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CallbackDeliveries } from './callbacks.js';
import { CreateEndpoints, type CreateEndpointsParts } from './creates.js';
import type { SimulatorCreateFaults, SimulatorCreateStats } from './create-types.js';
import type { SimulatorContext } from './context.js';
import { FaultInjector } from './faults.js';
import { SimulatorFiles } from './files.js';
import { isAuthorized } from './auth.js';
import { readBody } from './http.js';
import { hashSeed, mulberry32, randomHex } from './prng.js';
import { RateWindows } from './rate-window.js';
import { createTaskState, scheduledFinalAt } from './record.js';
import type { TaskState } from './record.js';
import { dispatch } from './router.js';
import { ROUTES } from './routes/index.js';
import { parseFaults } from './schemas.js';
import type {
  KieSimulatorOptions,
  SimulatedTaskSpec,
  SimulatorCallbackLog,
  SimulatorCallbackOptions,
  SimulatorFaults,
  SimulatorFileOptions,
  SimulatorFileStats,
  SimulatorStats,
  SimulatorTaskStats,
} from './types.js';

/**
 * A loopback stand-in for KIE's API: task states are computed from an injectable clock, the per-task rate
 * window is enforced and measured, and faults are injected from a seeded PRNG. This class owns the state and
 * the server; each endpoint is a route in `routes/` (see router.ts).
 */
export class KieSimulator {
  readonly #seed: number;
  readonly #now: () => number;
  readonly #tasks = new Map<string, TaskState>();
  readonly #callbacks: CallbackDeliveries;
  readonly #windows: RateWindows;
  readonly #faults: FaultInjector;
  readonly #files: SimulatorFiles;
  readonly #creates: CreateEndpoints;
  // Separate streams so that, e.g., adding tasks does not change which requests get faults.
  readonly #idRand: () => number;
  /** What the routes see of this simulator. */
  readonly #ctx: SimulatorContext;
  #server: Server | undefined;
  #url: string | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #pendingTimers = new Set<NodeJS.Timeout>();

  constructor(options: KieSimulatorOptions = {}) {
    const logger = options.logger;
    this.#windows = new RateWindows(options.perTaskLimit ?? 3, options.perTaskWindowMs ?? 1000, logger);
    this.#seed = (options.seed ?? 1) >>> 0;
    this.#now = options.now ?? Date.now;
    this.#faults = new FaultInjector(mulberry32(hashSeed(this.#seed, 'faults')), options.faults ? parseFaults(options.faults) : {});
    this.#idRand = mulberry32(hashSeed(this.#seed, 'ids'));
    this.#callbacks = new CallbackDeliveries({ seed: this.#seed, now: this.#now, logger, hmacKey: options.callbackHmacKey, callbacks: options.callbacks });
    const apiKey = options.apiKey ?? 'sim-key';
    const later = (ms: number, fn: () => void, res: { once(event: 'close', listener: () => void): unknown }): void => {
      const timer = setTimeout(() => {
        this.#pendingTimers.delete(timer);
        fn();
      }, ms);
      this.#pendingTimers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        this.#pendingTimers.delete(timer);
      });
    };
    const counters = { requests: 0, unauthorized: 0, unknownTask: 0 };
    const g = options.generate ?? {};
    this.#creates = new CreateEndpoints({
      seed: this.#seed,
      now: this.#now,
      logger,
      generate: {
        minDurationMs: g.minDurationMs ?? 5_000,
        maxDurationMs: g.maxDurationMs ?? 30_000,
        failureRate: g.failureRate ?? 0.1,
        invisibleForMs: g.invisibleForMs ?? 0,
      },
      creation: options.creation,
      faults: options.createFaults,
      authorized: (req) => {
        const ok = isAuthorized(req, apiKey);
        if (!ok) counters.unauthorized++;
        return ok;
      },
      addTask: (spec, paramJson, withId) => this.#addTask(spec, paramJson, withId),
      later: (res, ms, fn) => later(ms, fn, res),
    } satisfies CreateEndpointsParts);
    this.#files = new SimulatorFiles(
      {
        seed: this.#seed,
        now: this.#now,
        authorized: (req) => isAuthorized(req, apiKey),
        baseUrl: () => this.url,
        task: (taskId) => this.#tasks.get(taskId),
        tasks: () => this.#tasks.values(),
        readBody,
        later: (fn, ms, res) => later(ms, fn, res),
      },
      options.files,
    );
    this.#ctx = {
      apiKey,
      logger,
      now: this.#now,
      tasks: this.#tasks,
      counters,
      windows: this.#windows,
      faults: this.#faults,
      creates: this.#creates,
      addTask: (spec, paramJson, withId) => this.#addTask(spec, paramJson, withId),
      later,
      files: this.#files,
      control: this,
    };
  }

  /** Starts the HTTP server; resolves with its base URL. `port` 0 picks a free one. */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.#server) return Promise.reject(new Error('simulator is already listening'));
    const server = createServer((req, res) => dispatch(ROUTES, this.#ctx, req, res));
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server = server;
    return new Promise<string>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.#server = undefined;
        reject(err);
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        const address = server.address() as AddressInfo;
        const hostPart = address.address.includes(':') ? `[${address.address}]` : address.address;
        this.#url = `http://${hostPart}:${address.port}`;
        this.#ctx.logger?.info({ url: this.#url }, 'kie simulator listening');
        resolve(this.#url);
      });
    });
  }

  /** The base URL to give a watcher as `baseUrl`; throws while not listening. */
  get url(): string {
    if (this.#url === undefined) throw new Error('simulator is not listening');
    return this.#url;
  }

  /** Adds one task, created now; returns its id. Throws on an invalid spec or a duplicate `taskId`. */
  addTask(spec: SimulatedTaskSpec): string {
    return this.#addTask(spec, undefined);
  }

  /** {@link addTask} for each spec, in order. */
  addTasks(specs: readonly SimulatedTaskSpec[]): string[] {
    return specs.map((spec) => this.#addTask(spec, undefined));
  }

  /** Replaces the fault config, live. Throws a `TypeError` naming an unknown or out-of-range fault. */
  setFaults(faults: SimulatorFaults): void {
    this.#faults.faults = parseFaults(faults);
  }

  /** Counters over every task since start (or the last {@link resetStats}). */
  stats(): SimulatorStats {
    const { requests, unauthorized, unknownTask } = this.#ctx.counters;
    return {
      requests,
      violations: this.#windows.violations,
      faultsInjected: this.#faults.injected,
      unauthorized,
      unknownTask,
      tasks: this.#tasks.size,
      maxRequestsInWindow: this.#windows.maxRequestsInWindow,
    };
  }

  /** One task's counters, `undefined` for a task never added. */
  taskStats(taskId: string): SimulatorTaskStats | undefined {
    const task = this.#tasks.get(taskId);
    return task ? this.#taskStats(task, this.#now()) : undefined;
  }

  /** Every task's counters, in the order they were added. */
  allTaskStats(): SimulatorTaskStats[] {
    const now = this.#now();
    return Array.from(this.#tasks.values(), (task) => this.#taskStats(task, now));
  }

  /**
   * The clock time the task became final, `null` if it is not final yet or never will be: the reference point
   * for a watcher's detection delay.
   */
  finalAt(taskId: string): number | null {
    const task = this.#tasks.get(taskId);
    return task ? this.#finalAtBy(task, this.#now()) : null;
  }

  /** Zeroes the counters; keeps the tasks and the rate windows (they enforce the limit). */
  resetStats(): void {
    const counters = this.#ctx.counters;
    counters.requests = 0;
    counters.unauthorized = 0;
    counters.unknownTask = 0;
    this.#faults.injected = 0;
    this.#windows.resetStats();
    this.#creates.resetStats();
    // Arrival rings are kept: they enforce the limit, they are not statistics.
    for (const task of this.#tasks.values()) {
      task.requests = 0;
      task.violations = 0;
    }
  }

  /** The create endpoints' counters: arrivals, the creation window, tasks billed per request body. */
  createStats(): SimulatorCreateStats {
    return this.#creates.stats();
  }

  /** How many tasks each create request body was billed for (bodies as JSON with sorted keys). */
  bills(): Map<string, number> {
    return this.#creates.bills();
  }

  /** Replaces the create endpoints' fault config, live. */
  setCreateFaults(faults: SimulatorCreateFaults): void {
    this.#creates.setFaults(faults);
  }

  /** Sets the account's credit balance. */
  setCredits(credits: number): void {
    this.#creates.setCredits(credits);
  }

  /** Replaces how result files are served and which faults they get (see docs/simulator.md). */
  setFileOptions(options: SimulatorFileOptions): void {
    this.#files.configure(options);
  }

  /** Counters of the download-url endpoints and the direct links. */
  fileStats(): SimulatorFileStats {
    return this.#files.stats();
  }

  /** Changes the given callback knobs (see docs/simulator.md), leaving the others as they are. */
  setCallbackOptions(options: SimulatorCallbackOptions): void {
    this.#callbacks.configure(options);
  }

  /** The callback knobs, counters and delivery log (the latest 10,000 deliveries). */
  callbackLog(): SimulatorCallbackLog {
    return this.#callbacks.log();
  }

  /** Starts every callback due by the simulator clock now; resolves once none is in flight. */
  flushCallbacks(): Promise<void> {
    return this.#callbacks.flush();
  }

  /** Closes the server and every socket, idle keep-alive ones included; no handle is left once it resolves. */
  close(): Promise<void> {
    const callbacksClosed = this.#callbacks.close();
    const server = this.#server;
    if (!server) return callbacksClosed;
    this.#server = undefined;
    this.#url = undefined;
    for (const timer of this.#pendingTimers) clearTimeout(timer);
    this.#pendingTimers.clear();
    return new Promise<void>((resolve) => {
      // 'close' fires before libuv's close phase has released the handles; two loop turns let
      // them go, so a caller checking for leaked handles right after close() sees none.
      server.close(() => void callbacksClosed.then(() => setImmediate(() => setImmediate(resolve))));
      // server.close() alone waits for idle keep-alive sockets to time out.
      server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
      this.#sockets.clear();
      this.#ctx.logger?.info({}, 'kie simulator closed');
    });
  }

  #finalAtBy(task: TaskState, now: number): number | null {
    const at = scheduledFinalAt(task);
    return at !== null && now >= at ? at : null;
  }

  #taskStats(task: TaskState, now: number): SimulatorTaskStats {
    return {
      taskId: task.taskId,
      requests: task.requests,
      violations: task.violations,
      finalAt: this.#finalAtBy(task, now),
      outcome: task.outcome,
      family: task.family,
    };
  }

  #addTask(spec: SimulatedTaskSpec, paramJson: string | undefined, withId?: (id: string) => SimulatedTaskSpec): string {
    let taskId = spec.taskId;
    if (taskId === undefined) {
      do {
        taskId = `sim-${randomHex(this.#idRand, 24)}`;
      } while (this.#tasks.has(taskId));
    } else if (this.#tasks.has(taskId)) {
      throw new Error(`task ${taskId} already exists`);
    }
    const finalSpec = withId ? withId(taskId) : spec;
    const task = createTaskState(finalSpec, taskId, this.#now(), hashSeed(this.#seed, taskId), paramJson);
    this.#callbacks.register(task, finalSpec.callBackUrl);
    this.#tasks.set(taskId, task);
    return taskId;
  }
}

/** Constructs a {@link KieSimulator} and listens, by default on a free port of 127.0.0.1. */
export async function startSimulator(options: KieSimulatorOptions & { port?: number; host?: string } = {}): Promise<KieSimulator> {
  const { port, host, ...rest } = options;
  const simulator = new KieSimulator(rest);
  await simulator.listen(port, host);
  return simulator;
}
