/**
 * Bodies a sender controls must never make the handler answer 500 or hold a connection open: a body nested
 * thousands deep (it once made the replay key's JSON.stringify throw behind express.json()), and a body
 * trickled a byte at a time (it once stayed open for as long as the sender liked).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import express from 'express';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CALLBACK_DEFAULTS, createCallbackHandler, createFetchCallbackHandler, type CallbackHandler } from '../../src/callbacks/index.js';
import { RecordingWatcher } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

/** A 12 KB callback body whose `data` carries an array nested `depth` deep. */
function deepBody(depth: number): string {
  return `{"code":200,"msg":"ok","data":{"taskId":"task-deep","x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
}

async function listen(server: Server, handler: CallbackHandler): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        handler.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/kie/callback`;
}

/** An unsigned handler behind a global express.json(), as the report had it. */
async function behindExpressJson(): Promise<{ url: string; watcher: RecordingWatcher }> {
  const watcher = new RecordingWatcher();
  const handler = createCallbackHandler(watcher, { unsigned: true });
  const app = express();
  app.use(express.json());
  app.post('/kie/callback', handler);
  return { url: await listen(createServer(app), handler), watcher };
}

async function post(url: string, body: string): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: res.statusCode, body: await res.body.json() };
}

describe('a body nested 6,000 deep', () => {
  it('unsigned, behind express.json(): 400 malformed-body, no poke', async () => {
    const { url, watcher } = await behindExpressJson();
    expect(await post(url, deepBody(6_000))).toEqual({ status: 400, body: { error: 'malformed-body' } });
    expect(watcher.pokes).toEqual([]);
  });

  it('unsigned, on a plain node:http mount with a body parsed before the handler: 400, and the server keeps serving', async () => {
    const watcher = new RecordingWatcher();
    const handler = createCallbackHandler(watcher, { unsigned: true });
    const server = createServer((req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        req.body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        handler(req, res);
      });
    });
    const url = await listen(server, handler);
    expect((await post(url, deepBody(6_000))).status).toBe(400);
    expect((await post(url, '{"code":200,"data":{"taskId":"task-ok"}}')).status).toBe(200);
  });

  it('read by the node handler itself, and by the Fetch handler: 400 as well', async () => {
    const watcher = new RecordingWatcher();
    const handler = createCallbackHandler(watcher, { unsigned: true });
    const url = await listen(createServer(handler), handler);
    expect(await post(url, deepBody(6_000))).toEqual({ status: 400, body: { error: 'malformed-body' } });
    const fetchHandler = createFetchCallbackHandler(watcher, { unsigned: true });
    cleanups.push(async () => fetchHandler.close());
    const res = await fetchHandler(new Request('http://x/kie/callback', { method: 'POST', body: deepBody(6_000), headers: { 'content-type': 'application/json' } }));
    expect(res.status).toBe(400);
    expect(watcher.pokes).toEqual([]);
  });

  it('a real callback (shallow) is still accepted on every path', async () => {
    const { url } = await behindExpressJson();
    const body = '{"code":200,"msg":"ok","data":{"taskId":"task-1","info":{"resultUrls":["https://cdn.test/a.png"]}}}';
    expect((await post(url, body)).status).toBe(200);
  });
});

describe('a body trickled a byte at a time', () => {
  it('gets 408 after bodyTimeoutMs and its connection is closed', async () => {
    const handler = createCallbackHandler(new RecordingWatcher(), { unsigned: true, bodyTimeoutMs: 300 });
    const url = new URL(await listen(createServer(handler), handler));
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now())));
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const started = Date.now();
    socket.write('POST /kie/callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    // One byte every 100 ms, for longer than the timeout: the sender never finishes.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    const closedAt = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 3_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(closedAt, 'the connection was still open 3 s later').toBeGreaterThan(0);
    expect(closedAt - started).toBeLessThan(2_000);
    expect(Buffer.concat(received).toString('utf8')).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('has a documented default, validated like the other options', () => {
    expect(CALLBACK_DEFAULTS.bodyTimeoutMs).toBe(10_000);
    expect(() => createCallbackHandler(new RecordingWatcher(), { bodyTimeoutMs: 0 })).toThrow(TypeError);
    expect(() => createCallbackHandler(new RecordingWatcher(), { bodyTimeoutMs: 'x' as unknown as number })).toThrow(/bodyTimeoutMs/);
  });
});
