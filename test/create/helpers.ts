import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TaskWatcher, type TaskWatcherOptions } from '../../src/index.js';
import { startSimulator, type KieSimulator, type KieSimulatorOptions } from '../../src/simulator/index.js';

/** Things to close after each test, newest first. */
export const open: { close(): Promise<unknown> }[] = [];

export async function closeAll(): Promise<void> {
  for (const o of open.splice(0).reverse()) await o.close();
}

export const KEY = 'create-key';

/** A simulator on a random loopback port, whose tasks finish fast and always succeed. */
export async function sim(options: KieSimulatorOptions = {}): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: KEY, generate: { minDurationMs: 50, maxDurationMs: 150, failureRate: 0 }, ...options });
  open.push(s);
  return s;
}

/** A watcher on `baseUrl` through its own pool (no injected dispatcher): what arrives is what the server counts. */
export function watcher(baseUrl: string, options: TaskWatcherOptions = {}): TaskWatcher {
  const w = new TaskWatcher({ apiKey: KEY, baseUrl, policy: 'fastest', ...options });
  open.push(w);
  return w;
}

/** A plain HTTP server answering every request with `answer`; counts the requests. */
export async function server(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; requests: { path: string; body: string }[]; close(): Promise<void> }> {
  const requests: { path: string; body: string }[] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ path: req.url ?? '', body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  const handle = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
  open.push(handle);
  return handle;
}

export function json(res: ServerResponse, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
