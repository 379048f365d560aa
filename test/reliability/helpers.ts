import { afterAll, beforeAll, expect } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { KieWatcherError, TaskFailedError, type TaskWatcher, type WatchResult } from '../../src/index.js';
import { EPOCH } from '../helpers/fake-clock.js';
import { record } from '../helpers/mock-api.js';
import { groupBy, maxInWindow } from '../helpers/windows.js';

export const RECORD_INFO = '/api/v1/gpt4o-image/record-info';

// --- outcomes ---------------------------------------------------------------------------------------

/** What a wait ended with: 'SUCCESS', a TaskFailedError's status, or another error's `code`. */
export async function outcomeOf(p: Promise<WatchResult>): Promise<string> {
  try {
    return (await p).status;
  } catch (e) {
    if (e instanceof TaskFailedError) return e.status ?? e.code;
    if (e instanceof KieWatcherError) return e.code;
    return `not a KieWatcherError: ${String(e)}`;
  }
}

export async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms of real time until it holds (or `timeoutMs` passes). */
export async function until(cond: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(10);
  }
  return true;
}

// --- process-level spies ----------------------------------------------------------------------------

/** Records every unhandled rejection and uncaught exception while installed. */
export function processSpies(): { readonly seen: unknown[]; dispose(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown): void => {
    seen.push(reason);
  };
  const onException = (err: unknown): void => {
    seen.push(err);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/**
 * Fails the file if anything in it caused an unhandled rejection or an uncaught exception. Tests in a file
 * may run concurrently, so the spies cover the whole file; the short wait lets late rejections surface.
 */
export function failOnProcessErrors(): void {
  let spies: ReturnType<typeof processSpies> | undefined;
  beforeAll(() => {
    spies = processSpies();
  });
  afterAll(async () => {
    await sleep(20);
    spies?.dispose();
    expect(spies?.seen).toEqual([]);
  });
}

// --- active handles ---------------------------------------------------------------------------------

export function resourceCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** The resources present now beyond `baseline`, as `type×n` strings; empty when nothing is left over. */
export function extraResources(baseline: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, n] of resourceCounts()) {
    const extra = n - (baseline.get(k) ?? 0);
    if (extra > 0) out.push(`${k}×${extra}`);
  }
  return out;
}

/** Socket teardown is asynchronous: polls briefly until nothing beyond `baseline` is left. */
export async function settledResources(baseline: Map<string, number>, timeoutMs = 2_000): Promise<string[]> {
  await until(() => extraResources(baseline).length === 0, timeoutMs);
  return extraResources(baseline);
}

// --- a scripted HTTP server of our own --------------------------------------------------------------

export interface Hit {
  readonly taskId: string;
  /** performance.now() at arrival. */
  readonly at: number;
  readonly authorization: string | undefined;
  readonly path: string;
}

export interface ScriptContext {
  readonly taskId: string;
  /** 0-based count of requests for this taskId so far. */
  readonly n: number;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly hits: Hit[];
  readonly sockets: Set<Socket>;
  /** Most requests any single task had in a sliding window of `windowMs` (closed window, like the simulator's). */
  maxPerTaskInWindow(windowMs?: number): number;
  countFor(taskId: string): number;
  close(): Promise<void>;
}

/** A `node:http` server on 127.0.0.1 (port 0 unless given) whose record-info answers come from `script`. */
export async function testServer(script: (ctx: ScriptContext) => void, port = 0): Promise<TestServer> {
  const hits: Hit[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const taskId = url.searchParams.get('taskId') ?? '';
    hits.push({ taskId, at: performance.now(), authorization: req.headers.authorization, path: url.pathname });
    const n = counts.get(taskId) ?? 0;
    counts.set(taskId, n + 1);
    script({ taskId, n, req, res });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    hits,
    sockets,
    maxPerTaskInWindow(windowMs = 1000) {
      let best = 0;
      for (const [, list] of groupBy(hits, (h) => h.taskId)) best = Math.max(best, maxInWindow(list.map((h) => h.at), windowMs));
      return best;
    },
    countFor: (taskId) => counts.get(taskId) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => setImmediate(() => setImmediate(resolve)));
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

export function sendJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A GENERATING record at 10 % unless `fields` say otherwise. */
export function recordData(taskId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return record(taskId, { progress: '0.10', ...fields });
}


export const envelope = (data: unknown, code = 200, msg = 'success'): { code: number; msg: string; data: unknown } => ({ code, msg, data });
export const generatingBody = (taskId: string, progress = '0.10'): unknown => envelope(recordData(taskId, { progress }));
export const successBody = (taskId: string): unknown =>
  envelope(recordData(taskId, { status: 'SUCCESS', successFlag: 1, progress: '1.00', completeTime: EPOCH + 60_000, response: { resultUrls: [`https://cdn.test/${taskId}.png`] } }));
export const failedBody = (taskId: string): unknown =>
  envelope(recordData(taskId, { status: 'GENERATE_FAILED', successFlag: 2, errorCode: 500, errorMessage: 'Failed to generate image' }));

/** A port that was just free on 127.0.0.1 (nothing listens there). */
export async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// --- secrets ----------------------------------------------------------------------------------------

/** A pino logger at `trace` whose every line lands in `lines`. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  // A plain object with write() is a synchronous pino destination: no line is lost or late.
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

/**
 * Every string reachable from `value` through own properties (non-enumerable ones too: `message`,
 * `stack`, `cause`), bounded in depth and breadth. Used to grep errors, events and causes for a secret.
 */
export function reachableStrings(value: unknown, maxDepth = 8, maxNodes = 20_000): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  let nodes = 0;
  const visit = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      out.push(v);
      return;
    }
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || typeof v === 'symbol') {
      out.push(String(v));
      return;
    }
    if (v === null || v === undefined || depth > maxDepth || nodes > maxNodes) return;
    if (typeof v !== 'object' && typeof v !== 'function') return;
    if (seen.has(v)) return;
    seen.add(v);
    nodes += 1;
    if (typeof v === 'function') return;
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
      out.push(Buffer.from(v as Uint8Array).toString('latin1'));
      return;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        visit(k, depth + 1);
        visit(x, depth + 1);
      }
    }
    if (v instanceof Set) for (const x of v) visit(x, depth + 1);
    let names: string[];
    try {
      names = Object.getOwnPropertyNames(v);
    } catch {
      return;
    }
    for (const name of names) {
      out.push(name);
      let x: unknown;
      try {
        x = (v as Record<string, unknown>)[name];
      } catch {
        continue;
      }
      visit(x, depth + 1);
    }
  };
  visit(value, 0);
  return out;
}

/** The error, then its `cause`, then that one's `cause`, ... */
export function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = err;
  while (e !== undefined && e !== null && chain.length < 20 && !chain.includes(e)) {
    chain.push(e);
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

/** Every event a watcher emits, kept with its name. */
export function recordEvents(w: TaskWatcher): { name: string; payload: unknown }[] {
  const events: { name: string; payload: unknown }[] = [];
  for (const name of ['progress', 'completed', 'failed', 'timeout', 'retry', 'rateLimited', 'idle'] as const) {
    w.on(name, (...args: unknown[]) => events.push({ name, payload: args[0] }));
  }
  return events;
}

// --- per-test cleanup -------------------------------------------------------------------------------

/** What one test opened; closed (in reverse order) when the test finishes, whatever happened. */
export class Bag {
  readonly #open: { close(): Promise<unknown> }[] = [];
  constructor(onFinished: (fn: () => Promise<void>) => void) {
    onFinished(async () => {
      for (const o of this.#open.splice(0).reverse()) await o.close();
    });
  }
  add<T extends { close(): Promise<unknown> }>(o: T): T {
    this.#open.push(o);
    return o;
  }
}
