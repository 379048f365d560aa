import { Agent, request } from 'undici';
import { z } from 'zod';
import { kieCallbackHeaders } from '../callbacks/sign.js';
import { IndexedMinHeap } from '../heap.js';
import type { HeapItem } from '../heap.js';
import { hashSeed, mulberry32 } from './prng.js';
import { phaseAt, resultUrlsOf, scheduledFinalAt } from './record.js';
import { WIRES } from './wire/index.js';
import type { TaskState } from './record.js';
import type { SimulatedCallbackAttempt, SimulatedCallbackDelivery, SimulatedDelay, SimulatorCallbackKnobs, SimulatorCallbackLog, SimulatorCallbackOptions, SimulatorLogger } from './types.js';

const probability = z.number().min(0).max(1);
const ms = z.number().min(0).max(3_600_000);
const delay = z.union([ms, z.tuple([ms, ms]).refine(([a, b]) => a <= b, 'the range must be [min, max]')]);

/** Strict: a misspelt knob over HTTP fails loudly instead of silently doing nothing. */
export const callbackOptionsSchema = z.strictObject({
  delayMs: delay.optional(),
  duplicateRate: probability.optional(),
  duplicateDelayMs: delay.optional(),
  outOfOrder: probability.optional(),
  outOfOrderDelayMs: ms.optional(),
  lossRate: probability.optional(),
  maxAttempts: z.number().int().min(1).max(10).optional(),
  retryBackoffMs: ms.optional(),
  timeoutMs: z.number().min(1).max(600_000).optional(),
  hmacKey: z.string().min(1).max(4096).nullable().optional(),
  tickMs: z.number().min(1).max(1000).optional(),
});

/** A `callBackUrl` the simulator will post to: absolute http(s), as KIE requires. */
export function isCallbackUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The body KIE posts for a final task, per family: market jobs post the whole record; Suno posts
 * `{code, msg, data: {callbackType: 'complete', task_id, data: [...]}}`; the rest the 4o image shape
 * `{code, msg, data: {taskId, info: {result_urls} | null}}`, code 200 or the task's error code.
 */
export function callbackBody(task: TaskState, now: number): object {
  const finalAt = scheduledFinalAt(task) ?? now;
  // A task still "invisible" when it ends is rendered as it first appears, which is final too.
  const phase = phaseAt(task, Math.max(now, finalAt, task.createdAt + task.invisibleForMs));
  const ok = phase.kind === 'final' && phase.outcome === 'SUCCESS';
  const record = phase.kind === 'invisible' ? {} : (WIRES[task.family].render(task, phase) as Record<string, unknown>);
  if (task.family === 'market') {
    const failMsg = typeof record['failMsg'] === 'string' && record['failMsg'] !== '' ? record['failMsg'] : 'generation failed';
    return { code: ok ? 200 : 501, msg: ok ? 'success' : failMsg, data: record };
  }
  // The failure's code and message as the family's record shows them (4o-style records carry both).
  const code = typeof record['errorCode'] === 'number' ? record['errorCode'] : (task.errorCode ?? 500);
  const message = typeof record['errorMessage'] === 'string' && record['errorMessage'] !== '' ? record['errorMessage'] : (task.errorMessage ?? 'generation failed');
  if (task.family === 'suno') {
    const tracks = ok ? resultUrlsOf(task, 'mp3', 2).map((audioUrl, i) => ({ id: `${task.taskId}-${i}`, audio_url: audioUrl })) : [];
    return { code: ok ? 200 : code, msg: ok ? 'All generated successfully.' : message, data: { callbackType: ok ? 'complete' : 'error', task_id: task.taskId, data: tracks } };
  }
  if (ok) return { code: 200, msg: 'success', data: { taskId: task.taskId, info: { result_urls: resultUrlsOf(task, EXTENSION[task.family] ?? 'png') } } };
  return { code, msg: message, data: { taskId: task.taskId, info: null } };
}

const EXTENSION: Partial<Record<TaskState['family'], string>> = { veo: 'mp4', runway: 'mp4', luma: 'mp4' };

interface Delivery extends HeapItem {
  readonly id: number;
  readonly task: TaskState;
  readonly url: string;
  readonly kind: 'first' | 'duplicate';
  readonly finalAt: number;
  readonly heldBack: boolean;
  state: SimulatedCallbackDelivery['state'];
  dueAt: number;
  readonly attempts: SimulatedCallbackAttempt[];
}

interface InFlight {
  readonly controller: AbortController;
  readonly deadline: number;
}

/** Default polling period of the one driver timer: the simulator clock may be moved by hand, so it cannot be slept on. */
export const CALLBACK_TICK_MS = 10;
const MAX_LOG = 10_000;
/** Connections per receiver origin: a burst of final tasks queues instead of opening thousands of sockets. */
const CONNECTIONS = 64;

const DEFAULTS: SimulatorCallbackKnobs = {
  delayMs: 0,
  duplicateRate: 0,
  duplicateDelayMs: 0,
  outOfOrder: 0,
  outOfOrderDelayMs: 1000,
  lossRate: 0,
  maxAttempts: 3,
  retryBackoffMs: 1000,
  timeoutMs: 15_000,
  tickMs: CALLBACK_TICK_MS,
};

/**
 * Delivers the callbacks of a simulator's tasks. Tasks have no timers of their own: one unref'd timer checks
 * the due deliveries against the simulator's clock (so a hand-moved clock works), and exists only while some
 * delivery is scheduled or in flight. Every draw comes from a PRNG seeded by the simulator's seed.
 */
export class CallbackDeliveries {
  readonly #now: () => number;
  readonly #logger: SimulatorLogger | undefined;
  readonly #rand: () => number;
  #options: SimulatorCallbackKnobs;
  #hmacKey: string | null;

  readonly #due = new IndexedMinHeap<Delivery>();
  readonly #inFlight = new Map<Delivery, InFlight>();
  readonly #log = new Map<number, Delivery>();
  #agent: Agent | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Bumped by close(): attempts that finish afterwards belong to a closed past and are dropped. */
  #generation = 0;
  #nextId = 1;
  #idle: (() => void)[] = [];
  #stats = { delivered: 0, failed: 0, lost: 0, attempts: 0 };

  constructor(options: { seed: number; now: () => number; logger?: SimulatorLogger | undefined; hmacKey?: string | undefined; callbacks?: SimulatorCallbackOptions | undefined }) {
    this.#now = options.now;
    this.#logger = options.logger;
    this.#rand = mulberry32(hashSeed(options.seed, 'callbacks'));
    this.#options = DEFAULTS;
    this.#hmacKey = null;
    this.configure({ ...(options.hmacKey === undefined ? {} : { hmacKey: options.hmacKey }), ...options.callbacks });
  }

  /** Changes the given knobs, leaves the others as they are. */
  configure(options: SimulatorCallbackOptions): void {
    const { hmacKey, ...knobs } = callbackOptionsSchema.parse(options);
    if (hmacKey !== undefined) this.#hmacKey = hmacKey;
    const given = Object.fromEntries(Object.entries(knobs).filter(([, value]) => value !== undefined));
    this.#options = { ...this.#options, ...given };
  }

  /**
   * Plans the callbacks of a task created with a `callBackUrl`; throws a RangeError for a URL that is not
   * absolute http(s), before anything is planned. A task that never ends (`NEVER`) never calls back.
   */
  register(task: TaskState, url: string | undefined): void {
    if (url === undefined) return;
    if (!isCallbackUrl(url)) throw new RangeError('callBackUrl must be an absolute http(s) URL of at most 2048 characters');
    const finalAt = scheduledFinalAt(task);
    if (finalAt === null) return;
    const o = this.#options;
    // Always five draws, whatever the knobs, so changing one knob does not reshuffle the others.
    const [lose, wait, duplicate, duplicateWait, holdBack] = [this.#rand(), this.#rand(), this.#rand(), this.#rand(), this.#rand()];
    const heldBack = holdBack < o.outOfOrder;
    const dueAt = finalAt + pick(o.delayMs, wait) + (heldBack ? o.outOfOrderDelayMs : 0);
    const first = this.#add(task, url, 'first', finalAt, dueAt, heldBack);
    if (lose < o.lossRate) {
      first.state = 'lost';
      this.#stats.lost++;
      return;
    }
    this.#schedule(first, dueAt);
    if (duplicate < o.duplicateRate) {
      const twin = this.#add(task, url, 'duplicate', finalAt, dueAt + pick(o.duplicateDelayMs, duplicateWait), heldBack);
      this.#schedule(twin, twin.dueAt);
    }
  }

  log(): SimulatorCallbackLog {
    return {
      options: { ...this.#options, signed: this.#hmacKey !== null },
      stats: {
        scheduled: this.#due.size,
        inFlight: this.#inFlight.size,
        delivered: this.#stats.delivered,
        failed: this.#stats.failed,
        lost: this.#stats.lost,
        attempts: this.#stats.attempts,
      },
      deliveries: Array.from(this.#log.values(), snapshot),
    };
  }

  /** Starts every delivery due by the simulator clock now, and resolves once no attempt is in flight. */
  flush(): Promise<void> {
    this.#tick();
    if (this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drops every scheduled delivery, aborts the ones in flight and closes their connections. Usable again after. */
  async close(): Promise<void> {
    this.#generation++;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due.clear();
    for (const { controller } of this.#inFlight.values()) controller.abort();
    this.#inFlight.clear();
    for (const delivery of this.#log.values()) {
      if (delivery.state === 'scheduled' || delivery.state === 'in-flight') delivery.state = 'cancelled';
    }
    this.#wakeIdle();
    const agent = this.#agent;
    this.#agent = undefined;
    if (agent !== undefined) await agent.destroy();
  }

  #add(task: TaskState, url: string, kind: Delivery['kind'], finalAt: number, dueAt: number, heldBack: boolean): Delivery {
    const delivery: Delivery = { id: this.#nextId++, task, url, kind, finalAt, heldBack, state: 'scheduled', dueAt, attempts: [], heapKey: 0, heapSeq: 0, heapIndex: -1 };
    this.#log.set(delivery.id, delivery);
    for (const [id, old] of this.#log) {
      if (this.#log.size <= MAX_LOG || old.state === 'scheduled' || old.state === 'in-flight') break;
      this.#log.delete(id);
    }
    return delivery;
  }

  #schedule(delivery: Delivery, at: number): void {
    delivery.state = 'scheduled';
    delivery.dueAt = at;
    this.#due.set(delivery, at);
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined || (this.#due.size === 0 && this.#inFlight.size === 0)) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, this.#options.tickMs);
    this.#timer.unref();
  }

  #tick(): void {
    const now = this.#now();
    for (let next = this.#due.peek(); next !== undefined && next.heapKey <= now; next = this.#due.peek()) {
      this.#due.pop();
      this.#attempt(next);
    }
    const real = performance.now();
    for (const { controller, deadline } of this.#inFlight.values()) {
      if (real >= deadline) controller.abort();
    }
    this.#arm();
  }

  #attempt(delivery: Delivery): void {
    const generation = this.#generation;
    const at = this.#now();
    const { task } = delivery;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'kie-watcher-simulator' };
    if (this.#hmacKey !== null) Object.assign(headers, kieCallbackHeaders(task.taskId, this.#hmacKey, at));
    const controller = new AbortController();
    const started = performance.now();
    this.#inFlight.set(delivery, { controller, deadline: started + this.#options.timeoutMs });
    delivery.state = 'in-flight';
    this.#agent ??= new Agent({ connections: CONNECTIONS });
    void this.#send(this.#agent, delivery.url, headers, JSON.stringify(callbackBody(task, at)), controller).then((result) => {
      if (generation !== this.#generation) return;
      this.#inFlight.delete(delivery);
      this.#finish(delivery, { at, durationMs: Math.round(performance.now() - started), ...result });
      if (this.#inFlight.size === 0) this.#wakeIdle();
    });
  }

  /** Never rejects: a receiver that is down, slow or rude is an outcome, not an error of the simulator. */
  async #send(
    agent: Agent,
    url: string,
    headers: Record<string, string>,
    body: string,
    controller: AbortController,
  ): Promise<Pick<SimulatedCallbackAttempt, 'outcome' | 'status'>> {
    try {
      const res = await request(url, { method: 'POST', headers, body, signal: controller.signal, dispatcher: agent });
      await res.body.dump();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { outcome: ok ? 'delivered' : 'http-error', status: res.statusCode };
    } catch {
      return { outcome: controller.signal.aborted ? 'timeout' : 'network-error' };
    }
  }

  #finish(delivery: Delivery, attempt: SimulatedCallbackAttempt): void {
    delivery.attempts.push(attempt);
    this.#stats.attempts++;
    const { taskId } = delivery.task;
    if (attempt.outcome === 'delivered') {
      delivery.state = 'delivered';
      this.#stats.delivered++;
      this.#logger?.debug({ taskId, attempt: delivery.attempts.length }, 'callback delivered');
      return;
    }
    const n = delivery.attempts.length;
    if (n >= this.#options.maxAttempts) {
      delivery.state = 'failed';
      this.#stats.failed++;
      this.#logger?.debug({ taskId, attempts: n, outcome: attempt.outcome, status: attempt.status }, 'callback dropped after its last attempt');
      return;
    }
    this.#logger?.debug({ taskId, attempt: n, outcome: attempt.outcome, status: attempt.status }, 'callback attempt failed; will retry');
    this.#schedule(delivery, this.#now() + this.#options.retryBackoffMs * 2 ** (n - 1));
  }

  #wakeIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }
}

function pick(delay: SimulatedDelay, draw: number): number {
  if (typeof delay === 'number') return delay;
  const [min, max] = delay;
  return Math.round(min + draw * (max - min));
}

function snapshot(d: Delivery): SimulatedCallbackDelivery {
  return {
    id: d.id,
    taskId: d.task.taskId,
    url: d.url,
    kind: d.kind,
    state: d.state,
    finalAt: d.finalAt,
    dueAt: d.dueAt,
    heldBack: d.heldBack,
    attempts: d.attempts.map((a) => ({ ...a })),
  };
}
