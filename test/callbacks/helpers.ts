import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { createCallbackHandler, kieCallbackHeaders } from '../../src/callbacks/index.js';
import type { CallbackHandler, CallbackHandlerOptions, CallbackPokeTarget } from '../../src/callbacks/index.js';
import { captureLogger } from '../reliability/helpers.js';

export const HMAC_KEY = 'whk-canary-Q8v3Lx0Rz7Np2Tb5';

/** Records pokes; the handler only needs `poke`. */
export class RecordingWatcher implements CallbackPokeTarget {
  readonly pokes: { taskId: string; family: string | undefined }[] = [];
  poke(taskId: string, options?: { family?: string | undefined }): void {
    this.pokes.push({ taskId, family: options?.family });
  }
}

export interface Receiver {
  readonly url: string;
  readonly watcher: RecordingWatcher;
  readonly handler: CallbackHandler;
  /** Every log line (pino JSON, level trace). */
  readonly lines: string[];
  /** Bytes the server read from each connection, filled in when the connection closes. */
  readonly bytesRead: number[];
  readonly server: Server;
  close(): Promise<void>;
}

/** A real `node:http` server on loopback: `/ping` answers `pong`, everything else goes to the handler. */
export async function startReceiver(options: CallbackHandlerOptions = {}, watcher = new RecordingWatcher()): Promise<Receiver> {
  const { logger, lines } = captureLogger();
  const handler = createCallbackHandler(watcher, { logger, ...options });
  const bytesRead: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/ping') {
      res.end('pong');
      return;
    }
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      bytesRead.push(socket.bytesRead);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    watcher,
    handler,
    lines,
    bytesRead,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        handler.close();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export async function post(
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>; raw?: boolean; method?: Dispatcher.HttpMethod; dispatcher?: Dispatcher } = {},
): Promise<Answer> {
  const text = options.raw === true ? String(body) : JSON.stringify(body);
  const res = await request(url, {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.method === 'GET' ? {} : { body: text }),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** A 4o-image success callback as KIE posts it. */
export function successBody(taskId: string): object {
  return { code: 200, msg: 'success', data: { taskId, info: { result_urls: [`https://example.invalid/${taskId}.png`] } } };
}

export function signed(taskId: string, nowMs = Date.now(), key = HMAC_KEY): Record<string, string> {
  return kieCallbackHeaders(taskId, key, nowMs);
}

/** One callback of a flood: what to post. */
export type FloodItem = (i: number) => { body: unknown; headers: Record<string, string> };

/**
 * Posts `count` callbacks to `url` at `perSecond`, in batches 20 times a second, through `dispatcher`; resolves
 * with every answer's status and the time it all took.
 */
export async function postPaced(url: string, dispatcher: Dispatcher, count: number, perSecond: number, make: FloodItem): Promise<{ statuses: number[]; elapsedMs: number }> {
  const statuses: number[] = [];
  const started = performance.now();
  const batch = perSecond / 20;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i += batch) {
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const { body, headers } = make(j);
      inFlight.push(post(url, body, { headers, dispatcher }).then((a) => void statuses.push(a.status)));
    }
    await sleep(Math.max(0, started + ((i + batch) / perSecond) * 1000 - performance.now()));
  }
  await Promise.all(inFlight);
  return { statuses, elapsedMs: performance.now() - started };
}
