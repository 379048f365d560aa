import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCallbackUrl } from './callbacks.js';
import { createRouteFor, CREDIT_PATH, type CreateRoute } from './create-routes.js';
import type { SimulatorCreateFaults, SimulatorCreateStats, SimulatorCreationOptions } from './create-types.js';
import { hashSeed, mulberry32 } from './prng.js';
import type { SimulatedOutcome, SimulatedTaskSpec, SimulatorGenerateOptions, SimulatorLogger } from './types.js';

export interface CreateEndpointsParts {
  readonly seed: number;
  readonly now: () => number;
  readonly logger: SimulatorLogger | undefined;
  readonly generate: Required<SimulatorGenerateOptions>;
  readonly creation: SimulatorCreationOptions | undefined;
  readonly faults: SimulatorCreateFaults | undefined;
  readonly authorized: (req: IncomingMessage) => boolean;
  /** Adds the task (with its id known to `spec`); returns the id. */
  readonly addTask: (spec: SimulatedTaskSpec, paramJson: string, withId: (id: string) => SimulatedTaskSpec) => string;
  /** Delays an answer, the timer cleared when the simulator closes. */
  readonly later: (res: ServerResponse, ms: number, fn: () => void) => void;
}

const MAX_CREATE_BODY = 1024 * 1024;
const FAILURES: readonly SimulatedOutcome[] = ['GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];

function send(res: ServerResponse, status: number, body: object): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sorted keys: the same request body, whatever order its fields were written in, is billed under one name. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function checkProbability(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) throw new RangeError(`create fault ${name} must be a probability 0..1`);
}

/** Checks a create fault config; unknown names are refused (a misspelt fault must not inject nothing). */
export function parseCreateFaults(value: unknown): SimulatorCreateFaults {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('create faults must be an object');
  const known = new Set(['resetAfterCreate', 'body500AfterCreate', 'slowAfterCreate', 'slowMs', 'rateLimited']);
  for (const [k, v] of Object.entries(value)) {
    if (!known.has(k)) throw new TypeError(`unknown create fault ${k}; known: ${[...known].join(', ')}`);
    if (k === 'slowMs') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 600_000)) throw new RangeError('slowMs must be 0..600000');
    } else checkProbability(k, v);
  }
  return value as SimulatorCreateFaults;
}

/**
 * Every family's create endpoint, the credit balance, and the account's creation window. Every create that
 * arrives with the key is counted in the window, refused ones included, as the provider counts; tasks are
 * billed per request body, so that a body billed twice is a double bill the client caused.
 */
export class CreateEndpoints {
  readonly #p: CreateEndpointsParts;
  readonly #requests: number;
  readonly #windowMs: number;
  readonly #cost: number;
  #credits: number;
  #faults: SimulatorCreateFaults;
  readonly #faultRand: () => number;
  readonly #taskRand: () => number;
  /** Arrival times inside the current window, oldest first. */
  readonly #arrivals: number[] = [];
  readonly #bills = new Map<string, number>();
  #stats = zeroStats();

  constructor(parts: CreateEndpointsParts) {
    this.#p = parts;
    const c = parts.creation ?? {};
    this.#requests = c.requests ?? 20;
    this.#windowMs = c.windowMs ?? 10_000;
    this.#credits = c.credits ?? 1e9;
    this.#cost = c.creditsPerTask ?? 1;
    if (!Number.isInteger(this.#requests) || this.#requests < 1) throw new RangeError('creation.requests must be an integer >= 1');
    if (!(this.#windowMs > 0)) throw new RangeError('creation.windowMs must be > 0');
    this.#faults = parseCreateFaults(parts.faults ?? {});
    this.#faultRand = mulberry32(hashSeed(parts.seed, 'create-faults'));
    this.#taskRand = mulberry32(hashSeed(parts.seed, 'create-tasks'));
  }

  /** Whether this module answers `method path`. */
  handles(method: string | undefined, path: string): boolean {
    return (method === 'POST' && createRouteFor(path) !== undefined) || (method === 'GET' && path === CREDIT_PATH);
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === CREDIT_PATH) {
      if (!this.#p.authorized(req)) send(res, 200, { code: 401, msg: 'Unauthorized' });
      else send(res, 200, { code: 200, msg: 'success', data: this.#credits });
      return;
    }
    const route = createRouteFor(path) as CreateRoute;
    const text = await this.#read(req);
    if (!this.#p.authorized(req)) {
      send(res, 200, { code: 401, msg: 'Unauthorized' });
      return;
    }
    // Counted on arrival, before anything else is decided: the provider's window holds refused creates too.
    const now = this.#p.now();
    const overLimit = this.#countArrival(now);
    if (overLimit) {
      this.#stats.rateLimited += 1;
      send(res, 200, { code: route.codes.rateLimited, msg: 'Call frequency too high, rate limited' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      this.#stats.invalid += 1;
      send(res, 200, { code: 422, msg: 'request body is not valid JSON' });
      return;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      this.#stats.invalid += 1;
      send(res, 200, { code: 422, msg: 'request body must be a JSON object' });
      return;
    }
    const params = body as Record<string, unknown>;
    const problem = route.check(params) ?? (params['callBackUrl'] !== undefined && !isCallbackUrl(params['callBackUrl']) ? 'callBackUrl must be an absolute http(s) URL' : null);
    if (problem !== null) {
      this.#stats.invalid += 1;
      send(res, 200, { code: 422, msg: problem });
      return;
    }
    if (this.#draw(this.#faults.rateLimited)) {
      this.#stats.rateLimited += 1;
      send(res, 200, { code: route.codes.rateLimited, msg: 'rate limited' });
      return;
    }
    if (this.#credits < this.#cost) {
      this.#stats.refusedForCredits += 1;
      send(res, 200, { code: route.codes.credits, msg: 'The current credits are insufficient. Please top up.' });
      return;
    }
    const taskId = this.#create(route, params, text);
    this.#answerCreated(res, taskId);
  }

  #read(req: IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_CREATE_BODY) {
          req.destroy();
          reject(new Error('create body too large'));
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  #draw(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.#faultRand() < p;
  }

  #countArrival(now: number): boolean {
    const a = this.#arrivals;
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < a.length && (a[drop] as number) <= cutoff) drop++;
    if (drop > 0) a.splice(0, drop);
    a.push(now);
    this.#stats.arrivals += 1;
    this.#stats.firstArrivalAt ??= now;
    this.#stats.lastArrivalAt = now;
    this.#stats.maxInWindow = Math.max(this.#stats.maxInWindow, a.length);
    if (a.length > this.#requests) {
      this.#stats.windowViolations += 1;
      this.#p.logger?.debug({ inWindow: a.length, limit: this.#requests }, 'creation limit violated');
      return true;
    }
    return false;
  }

  #create(route: CreateRoute, params: Record<string, unknown>, text: string): string {
    const g = this.#p.generate;
    const rand = this.#taskRand;
    const durationMs = Math.round(g.minDurationMs + rand() * Math.max(0, g.maxDurationMs - g.minDurationMs));
    const outcome: SimulatedOutcome = rand() < g.failureRate ? (FAILURES[Math.floor(rand() * FAILURES.length)] ?? 'GENERATE_FAILED') : 'SUCCESS';
    const progressSteps = 2 + Math.floor(rand() * 5);
    const callBackUrl = params['callBackUrl'];
    const spec: SimulatedTaskSpec = {
      durationMs,
      outcome,
      progressSteps,
      invisibleForMs: g.invisibleForMs,
      family: route.family,
      ...(typeof callBackUrl === 'string' ? { callBackUrl } : {}),
    };
    const count = route.results(params);
    const ext = route.family === 'suno' ? 'mp3' : route.family === 'gpt4o-image' || route.family === 'flux-kontext' || route.family === 'mj' ? 'png' : 'mp4';
    const taskId = this.#p.addTask(spec, text, (id) => ({ ...spec, resultUrls: Array.from({ length: count }, (_, i) => `https://example.invalid/${id}/${i}.${ext}`) }));
    this.#credits -= this.#cost;
    this.#stats.created += 1;
    const name = canonical(params);
    this.#bills.set(name, (this.#bills.get(name) ?? 0) + 1);
    this.#p.logger?.debug({ taskId, family: route.family, outcome, durationMs }, 'task created');
    return taskId;
  }

  #answerCreated(res: ServerResponse, taskId: string): void {
    const answer = { code: 200, msg: 'success', data: { taskId } };
    if (this.#draw(this.#faults.resetAfterCreate)) {
      this.#stats.faultsInjected += 1;
      res.socket?.destroy();
      return;
    }
    if (this.#draw(this.#faults.body500AfterCreate)) {
      this.#stats.faultsInjected += 1;
      send(res, 200, { code: 500, msg: 'Server Error' });
      return;
    }
    if (this.#draw(this.#faults.slowAfterCreate)) {
      this.#stats.faultsInjected += 1;
      this.#p.later(res, this.#faults.slowMs ?? 20_000, () => send(res, 200, answer));
      return;
    }
    send(res, 200, answer);
  }

  /** Replaces the create faults, live. */
  setFaults(faults: SimulatorCreateFaults): void {
    this.#faults = parseCreateFaults(faults);
  }

  /** Sets the account's credits. */
  setCredits(credits: number): void {
    if (!Number.isFinite(credits) || credits < 0) throw new RangeError('credits must be a finite number >= 0');
    this.#credits = credits;
  }

  stats(): SimulatorCreateStats {
    let billedTwice = 0;
    for (const n of this.#bills.values()) if (n > 1) billedTwice += 1;
    return { ...this.#stats, billedBodies: this.#bills.size, billedTwice, credits: this.#credits };
  }

  /** How many tasks each request body was billed for, bodies as canonical JSON (sorted keys). */
  bills(): Map<string, number> {
    return new Map(this.#bills);
  }

  /** Zeroes the counters and the bills; keeps the window (it enforces the limit) and the credits. */
  resetStats(): void {
    this.#stats = zeroStats();
    this.#bills.clear();
  }
}

type Counters = { -readonly [K in keyof Omit<SimulatorCreateStats, 'billedBodies' | 'billedTwice' | 'credits'>]: SimulatorCreateStats[K] };

function zeroStats(): Counters {
  return { arrivals: 0, windowViolations: 0, maxInWindow: 0, created: 0, rateLimited: 0, refusedForCredits: 0, invalid: 0, faultsInjected: 0, firstArrivalAt: null, lastArrivalAt: null };
}
