import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CallbackDeliveries } from './callbacks.js';
import { CreateEndpoints, parseCreateFaults } from './creates.js';
import type { SimulatorCreateFaults, SimulatorCreateStats } from './create-types.js';
import { parseFileOptions, SimulatorFiles, type SimulatorFileOptions, type SimulatorFileStats } from './files.js';
import type { SimulatorCallbackLog, SimulatorCallbackOptions } from './callbacks.js';
import { hashSeed, mulberry32, randomHex } from './prng.js';
import { createTaskState, scheduledFinalAt } from './record.js';
import type { TaskState } from './record.js';
import { parseAddTasksBody, parseFaults } from './schemas.js';
import { recordAnswer, wireForPath, type FamilyWire } from './wire/index.js';
import type {
  KieSimulatorOptions,
  SimulatedTaskSpec,
  SimulatorFaults,
  SimulatorGenerateOptions,
  SimulatorLogger,
  SimulatorStats,
  SimulatorTaskStats,
} from './types.js';

export const RECORD_INFO_PATH = '/api/v1/gpt4o-image/record-info';
export const GENERATE_PATH = '/api/v1/gpt4o-image/generate';
const CONTROL_PREFIX = '/__sim/';
/** Control bodies can carry 100,000 task specs in one POST. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

type FaultKind = 'reset' | 'http5xx' | 'http429' | 'malformedJson' | 'body500' | 'body455' | 'body429' | 'body408';
// Fixed order so that a given seed and fault config always inject the same faults.
const FAULT_KINDS: readonly FaultKind[] = ['reset', 'http5xx', 'http429', 'malformedJson', 'body500', 'body455', 'body429', 'body408'];
const BODY_FAULT_MESSAGES: Record<'body500' | 'body455' | 'body429' | 'body408', [number, string]> = {
  body500: [500, 'Server Error'],
  body455: [455, 'Service Unavailable: system maintenance'],
  body429: [429, 'rate limited'],
  body408: [408, 'upstream returned no result within 10 minutes'],
};
const HTTP5XX: readonly [number, string][] = [
  [502, 'Bad Gateway'],
  [503, 'Service Temporarily Unavailable'],
  [504, 'Gateway Time-out'],
];

interface Envelope {
  readonly status: number;
  readonly text: string;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function envelope(code: number, msg: string, data: unknown = null): string {
  return JSON.stringify({ code, msg, data });
}

function sendText(res: ServerResponse, status: number, text: string, contentType = 'application/json', extra?: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function sendControl(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function errorMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'issues' in err && Array.isArray(err.issues)) {
    return (err.issues as { path?: unknown[]; message?: string }[])
      .map((i) => `${(i.path ?? []).join('.') || '(root)'}: ${i.message ?? 'invalid'}`)
      .join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A loopback stand-in for KIE's `GET /api/v1/gpt4o-image/record-info`: task
 * states are computed from an injectable clock, the per-task rate window is
 * enforced and measured, and faults are injected from a seeded PRNG.
 */
export class KieSimulator {
  readonly #apiKey: string;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxTracked: number;
  readonly #seed: number;
  readonly #now: () => number;
  readonly #logger: SimulatorLogger | undefined;
  readonly #generate: Required<SimulatorGenerateOptions>;
  #faults: SimulatorFaults;
  // Separate streams so that, e.g., adding tasks does not change which requests get faults.
  readonly #faultRand: () => number;
  readonly #idRand: () => number;
  readonly #creates: CreateEndpoints;

  readonly #tasks = new Map<string, TaskState>();
  readonly #callbacks: CallbackDeliveries;
  readonly #files: SimulatorFiles;
  #server: Server | undefined;
  #url: string | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #pendingTimers = new Set<NodeJS.Timeout>();

  #requests = 0;
  #violations = 0;
  #faultsInjected = 0;
  #unauthorized = 0;
  #unknownTask = 0;
  #maxRequestsInWindow = 0;

  constructor(options: KieSimulatorOptions = {}) {
    this.#apiKey = options.apiKey ?? 'sim-key';
    this.#limit = options.perTaskLimit ?? 3;
    this.#windowMs = options.perTaskWindowMs ?? 1000;
    if (!Number.isInteger(this.#limit) || this.#limit < 1) throw new RangeError('perTaskLimit must be an integer >= 1');
    if (!Number.isFinite(this.#windowMs) || this.#windowMs <= 0) throw new RangeError('perTaskWindowMs must be > 0');
    // Bounds memory for a client hammering one task; the window count saturates there.
    this.#maxTracked = Math.max(1024, this.#limit + 1);
    this.#seed = (options.seed ?? 1) >>> 0;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#faults = options.faults ? parseFaults(options.faults) : {};
    const g = options.generate ?? {};
    this.#generate = {
      minDurationMs: g.minDurationMs ?? 5_000,
      maxDurationMs: g.maxDurationMs ?? 30_000,
      failureRate: g.failureRate ?? 0.1,
      invisibleForMs: g.invisibleForMs ?? 0,
    };
    this.#faultRand = mulberry32(hashSeed(this.#seed, 'faults'));
    this.#idRand = mulberry32(hashSeed(this.#seed, 'ids'));
    this.#creates = new CreateEndpoints({
      seed: this.#seed,
      now: this.#now,
      logger: this.#logger,
      generate: this.#generate,
      creation: options.creation,
      faults: options.createFaults,
      authorized: (req) => {
        const ok = this.#authorized(req);
        if (!ok) this.#unauthorized++;
        return ok;
      },
      addTask: (spec, paramJson, withId) => this.#addTask(spec, paramJson, withId),
      later: (res, ms, fn) => {
        const timer = setTimeout(() => {
          this.#pendingTimers.delete(timer);
          fn();
        }, ms);
        this.#pendingTimers.add(timer);
        res.once('close', () => {
          clearTimeout(timer);
          this.#pendingTimers.delete(timer);
        });
      },
    });
    this.#callbacks = new CallbackDeliveries({ seed: this.#seed, now: this.#now, logger: this.#logger, hmacKey: options.callbackHmacKey, callbacks: options.callbacks });
    this.#files = new SimulatorFiles(
      {
        seed: this.#seed,
        now: this.#now,
        authorized: (req) => this.#authorized(req),
        baseUrl: () => this.url,
        task: (taskId) => this.#tasks.get(taskId),
        tasks: () => this.#tasks.values(),
        readBody,
        later: (fn, ms, res) => {
          const timer = setTimeout(() => {
            this.#pendingTimers.delete(timer);
            fn();
          }, ms);
          this.#pendingTimers.add(timer);
          res.once('close', () => {
            clearTimeout(timer);
            this.#pendingTimers.delete(timer);
          });
        },
      },
      options.files,
    );
  }

  /** Starts the HTTP server; resolves with its base URL. `port` 0 picks a free one. */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.#server) return Promise.reject(new Error('simulator is already listening'));
    const server = createServer((req, res) => this.#handle(req, res));
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
        this.#logger?.info({ url: this.#url }, 'kie simulator listening');
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
    this.#faults = parseFaults(faults);
  }

  /** Counters over every task since start (or the last {@link resetStats}). */
  stats(): SimulatorStats {
    return {
      requests: this.#requests,
      violations: this.#violations,
      faultsInjected: this.#faultsInjected,
      unauthorized: this.#unauthorized,
      unknownTask: this.#unknownTask,
      tasks: this.#tasks.size,
      maxRequestsInWindow: this.#maxRequestsInWindow,
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
    this.#requests = 0;
    this.#violations = 0;
    this.#faultsInjected = 0;
    this.#unauthorized = 0;
    this.#unknownTask = 0;
    this.#maxRequestsInWindow = 0;
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
      this.#logger?.info({}, 'kie simulator closed');
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

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = q === -1 ? '' : rawUrl.slice(q + 1);
    const wire = wireForPath(path);
    if (wire && req.method === 'GET') {
      this.#recordInfo(req, res, query, wire);
      return;
    }
    if (this.#creates.handles(req.method, path)) {
      this.#withErrors(res, this.#creates.handle(req, res, path));
      return;
    }
    if (this.#files.handle(req, res, path)) return;
    if (path.startsWith(CONTROL_PREFIX)) {
      this.#withErrors(res, this.#control(req, res, path.slice(CONTROL_PREFIX.length)));
      return;
    }
    if (wire || path === GENERATE_PATH) {
      sendText(res, 405, envelope(405, 'Method Not Allowed'), 'application/json', {
        allow: wire ? 'GET' : 'POST',
      });
      return;
    }
    sendText(res, 404, envelope(404, 'Not Found'));
  }

  #withErrors(res: ServerResponse, work: Promise<void>): void {
    work.catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 400;
      sendControl(res, status, { error: errorMessage(err) });
    });
  }

  #authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (header === undefined) return false;
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match?.[1] === this.#apiKey;
  }

  /** Returns true if this arrival breaks the per-task limit. */
  #countArrival(task: TaskState, now: number): boolean {
    const arrivals = task.arrivals;
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < arrivals.length && (arrivals[drop] ?? Infinity) <= cutoff) drop++;
    if (drop > 0) arrivals.splice(0, drop);
    arrivals.push(now);
    if (arrivals.length > this.#maxTracked) arrivals.shift();
    task.requests++;
    const inWindow = arrivals.length;
    if (inWindow > this.#maxRequestsInWindow) this.#maxRequestsInWindow = inWindow;
    if (inWindow > this.#limit) {
      task.violations++;
      this.#violations++;
      this.#logger?.debug({ taskId: task.taskId, inWindow, limit: this.#limit }, 'per-task rate limit violated');
      return true;
    }
    return false;
  }

  #pickFault(): { kind: FaultKind | undefined; slowMs: number } {
    const faults = this.#faults;
    let slowMs = 0;
    // Draw only for configured faults, so a fault-free run consumes no randomness.
    if (faults.slow && this.#faultRand() < faults.slow) {
      slowMs = faults.slowMs ?? 2000;
      this.#faultsInjected++;
    }
    for (const kind of FAULT_KINDS) {
      const p = faults[kind];
      if (p && this.#faultRand() < p) {
        this.#faultsInjected++;
        return { kind, slowMs };
      }
    }
    return { kind: undefined, slowMs };
  }

  #recordInfo(req: IncomingMessage, res: ServerResponse, query: string, wire: FamilyWire): void {
    this.#requests++;
    const taskId = new URLSearchParams(query).get('taskId');
    const task = taskId ? this.#tasks.get(taskId) : undefined;
    // Every request counts against the window, including the ones answered with an error, and on
    // whichever family's path it arrives: the provider's limit is per task.
    const violation = task ? this.#countArrival(task, this.#now()) : false;
    if (!this.#authorized(req)) {
      this.#unauthorized++;
      sendText(res, 200, envelope(401, 'Unauthorized'));
      return;
    }
    if (violation) {
      sendText(res, 200, envelope(429, 'rate limited'));
      return;
    }
    const { kind, slowMs } = this.#pickFault();
    if (kind !== undefined || slowMs > 0) {
      this.#logger?.debug({ taskId, fault: kind ?? 'slow', slowMs }, 'fault injected');
    }
    if (slowMs > 0) {
      const timer = setTimeout(() => {
        this.#pendingTimers.delete(timer);
        this.#answerRecord(res, taskId, task, kind, wire);
      }, slowMs);
      this.#pendingTimers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        this.#pendingTimers.delete(timer);
      });
      return;
    }
    this.#answerRecord(res, taskId, task, kind, wire);
  }

  #recordEnvelope(taskId: string | null, task: TaskState | undefined, wire: FamilyWire): Envelope {
    if (!taskId) return { status: 200, text: envelope(422, 'taskId is required') };
    const { text, unknown } = recordAnswer(wire, task, this.#now());
    if (unknown) this.#unknownTask++;
    return { status: 200, text };
  }

  #answerRecord(res: ServerResponse, taskId: string | null, task: TaskState | undefined, kind: FaultKind | undefined, wire: FamilyWire): void {
    if (res.destroyed) return;
    switch (kind) {
      case undefined: {
        const { status, text } = this.#recordEnvelope(taskId, task, wire);
        sendText(res, status, text);
        return;
      }
      case 'http5xx': {
        const [status, title] = HTTP5XX[Math.floor(this.#faultRand() * HTTP5XX.length)] ?? [502, 'Bad Gateway'];
        const html = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
        sendText(res, status, html, 'text/html');
        return;
      }
      case 'http429': {
        // Undocumented by the provider, so only sometimes present: clients must cope either way.
        const extra: Record<string, string> = this.#faultRand() < 0.5 ? { 'retry-after': '1' } : {};
        const html = '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n</body>\r\n</html>\r\n';
        sendText(res, 429, html, 'text/html', extra);
        return;
      }
      case 'malformedJson': {
        const { text } = this.#recordEnvelope(taskId, task, wire);
        sendText(res, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        return;
      }
      case 'reset': {
        const { text } = this.#recordEnvelope(taskId, task, wire);
        const full = Buffer.from(text, 'utf8');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': full.length });
        res.write(full.subarray(0, Math.max(1, Math.floor(full.length / 2))), () => {
          res.socket?.destroy();
        });
        return;
      }
      default: {
        const [code, msg] = BODY_FAULT_MESSAGES[kind];
        sendText(res, 200, envelope(code, msg));
      }
    }
  }

  async #control(req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (route === 'stats' && method === 'GET') {
      sendControl(res, 200, this.stats());
      return;
    }
    if (route === 'tasks' && method === 'GET') {
      sendControl(res, 200, this.allTaskStats());
      return;
    }
    if (route === 'tasks' && method === 'POST') {
      const specs = parseAddTasksBody(parseJson(await readBody(req)));
      const seen = new Set<string>();
      // Validate every spec first so a bad batch adds nothing.
      for (const spec of specs) {
        if (spec.taskId === undefined) continue;
        if (seen.has(spec.taskId) || this.#tasks.has(spec.taskId)) throw new HttpError(409, `task ${spec.taskId} already exists`);
        seen.add(spec.taskId);
      }
      sendControl(res, 200, { taskIds: this.addTasks(specs) });
      return;
    }
    if (route.startsWith('tasks/') && method === 'GET') {
      const taskId = decodeURIComponent(route.slice('tasks/'.length));
      const stats = this.taskStats(taskId);
      if (!stats) throw new HttpError(404, `unknown task ${taskId}`);
      sendControl(res, 200, stats);
      return;
    }
    if (route === 'faults' && method === 'POST') {
      this.setFaults(parseFaults(parseJson(await readBody(req))));
      sendControl(res, 200, { ok: true });
      return;
    }
    if (route === 'callbacks' && (method === 'GET' || method === 'POST')) {
      if (method === 'POST') this.setCallbackOptions(parseJson(await readBody(req)) as SimulatorCallbackOptions);
      sendControl(res, 200, method === 'POST' ? { ok: true } : this.callbackLog());
      return;
    }
    if (route === 'creates' && method === 'GET') {
      sendControl(res, 200, this.createStats());
      return;
    }
    if (route === 'create-faults' && method === 'POST') {
      this.setCreateFaults(parseCreateFaults(parseJson(await readBody(req))));
      sendControl(res, 200, { ok: true });
      return;
    }
    if (route === 'credits' && method === 'POST') {
      const body = parseJson(await readBody(req)) as { credits?: unknown };
      this.setCredits(typeof body.credits === 'number' ? body.credits : NaN);
      sendControl(res, 200, { ok: true });
      return;
    }
    if (route === 'files' && (method === 'GET' || method === 'POST')) {
      if (method === 'POST') this.setFileOptions(parseFileOptions(parseJson(await readBody(req))));
      sendControl(res, 200, method === 'POST' ? { ok: true } : this.fileStats());
      return;
    }
    if (route === 'reset-stats' && method === 'POST') {
      this.resetStats();
      sendControl(res, 200, { ok: true });
      return;
    }
    throw new HttpError(404, `no control route ${method} /__sim/${route}`);
  }
}

/** Constructs a {@link KieSimulator} and listens, by default on a free port of 127.0.0.1. */
export async function startSimulator(options: KieSimulatorOptions & { port?: number; host?: string } = {}): Promise<KieSimulator> {
  const { port, host, ...rest } = options;
  const simulator = new KieSimulator(rest);
  await simulator.listen(port, host);
  return simulator;
}
