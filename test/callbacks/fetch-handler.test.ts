/**
 * The Fetch-API handler with real `Request` objects (undici's, as Next.js, Hono on Node, Bun and Deno hand them
 * over) and a real Hono app: the same answers as the Node handler, bodies read with a cap, never a throw.
 */
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createFetchCallbackHandler } from '../../src/callbacks/index.js';
import type { CallbackFleetTarget, CallbackPokeTarget, FetchCallbackHandler } from '../../src/callbacks/index.js';
import { captureLogger, failOnProcessErrors } from '../reliability/helpers.js';
import { HMAC_KEY, RecordingWatcher, post, signed, startReceiver, successBody } from './helpers.js';
import type { Receiver } from './helpers.js';

failOnProcessErrors();

const TASK = 'task-0001';
const URL_ = 'https://app.example/api/kie/callback';
let handlers: FetchCallbackHandler[] = [];
let receivers: Receiver[] = [];
afterEach(async () => {
  for (const h of handlers) h.close();
  handlers = [];
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

function fetchHandler(watcher: CallbackPokeTarget | CallbackFleetTarget, options: Parameters<typeof createFetchCallbackHandler>[1] = { hmacKey: HMAC_KEY }): FetchCallbackHandler {
  const h = createFetchCallbackHandler(watcher, options);
  handlers.push(h);
  return h;
}

function callback(body: unknown, headers: Record<string, string> = signed(TASK), init: RequestInit = {}): Request {
  return new Request(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
}

async function answer(res: Response): Promise<{ status: number; body: unknown }> {
  return { status: res.status, body: JSON.parse(await res.text()) as unknown };
}

/** Waits for the microtask the poke runs in. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createFetchCallbackHandler(watcher, { hmacKey })', () => {
  it('answers a signed callback 200 with small JSON, then pokes the watcher; a replay is 200 and pokes nothing', async () => {
    const watcher = new RecordingWatcher();
    const POST = fetchHandler(watcher);
    const headers = signed(TASK);
    const res = await POST(callback(successBody(TASK), headers));
    expect(res).toBeInstanceOf(Response);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await answer(res)).toEqual({ status: 200, body: { ok: true } });
    await settle();
    expect(watcher.pokes).toEqual([{ taskId: TASK, family: undefined }]);
    expect(await answer(await POST(callback(successBody(TASK), headers)))).toEqual({ status: 200, body: { ok: true, duplicate: true } });
    await settle();
    expect(watcher.pokes).toHaveLength(1);
  });

  it('answers 401 to no signature, a forged one, a stale one and one for another taskId, and pokes nothing', async () => {
    const watcher = new RecordingWatcher();
    const POST = fetchHandler(watcher);
    const stale = signed(TASK, Date.now() - 301_000);
    const forged = { ...signed(TASK), 'x-webhook-signature': Buffer.alloc(32, 7).toString('base64') };
    const other = signed('task-0002');
    for (const [headers, reason] of [
      [{}, 'missing-signature'],
      [forged, 'bad-signature'],
      [stale, 'stale-timestamp'],
      [other, 'bad-signature'],
    ] as const) {
      expect(await answer(await POST(callback(successBody(TASK), headers)))).toEqual({ status: 401, body: { error: reason } });
    }
    await settle();
    expect(watcher.pokes).toEqual([]);
  });

  it('needs hmacKey, or unsigned: true to accept unsigned callbacks', async () => {
    const watcher = new RecordingWatcher();
    expect(() => createFetchCallbackHandler(watcher, {})).toThrow(/hmacKey.*unsigned: true/);
    expect(() => createFetchCallbackHandler(watcher)).toThrow(TypeError);
    expect(() => createFetchCallbackHandler(watcher, { hmacKey: HMAC_KEY, unsigned: true })).toThrow(/not both/);
    expect(() => createFetchCallbackHandler({} as CallbackPokeTarget, { unsigned: true })).toThrow(/watcher.*RedisCoordinator/);
    const POST = fetchHandler(watcher, { unsigned: true });
    expect((await POST(callback(successBody(TASK), {}))).status).toBe(200);
    await settle();
    expect(watcher.pokes).toEqual([{ taskId: TASK, family: undefined }]);
  });

  it('answers 400 to a body that is not a JSON object with a valid taskId', async () => {
    const POST = fetchHandler(new RecordingWatcher());
    expect(await answer(await POST(callback('{"code":200,', signed(TASK))))).toEqual({ status: 400, body: { error: 'malformed-body' } });
    expect(await answer(await POST(callback([1, 2], signed(TASK))))).toEqual({ status: 400, body: { error: 'malformed-body' } });
    expect(await answer(await POST(callback({ code: 200, data: {} }, signed(TASK))))).toEqual({ status: 400, body: { error: 'no-task-id' } });
    expect(await answer(await POST(callback(successBody('../etc'), signed('../etc'))))).toEqual({ status: 400, body: { error: 'invalid-task-id' } });
    // No body at all.
    expect(await answer(await POST(new Request(URL_, { method: 'POST', headers: signed(TASK) })))).toEqual({ status: 400, body: { error: 'malformed-body' } });
  });

  it('answers 405 with Allow: POST to other methods, and 415 to a body that is not JSON', async () => {
    const POST = fetchHandler(new RecordingWatcher());
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await POST(new Request(URL_, { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    expect(await answer(await POST(callback(successBody(TASK), { ...signed(TASK), 'content-type': 'text/plain' })))).toEqual({ status: 415, body: { error: 'unsupported-media-type' } });
    expect((await POST(callback(successBody(TASK), { ...signed(TASK), 'content-type': 'application/json; charset=utf-8' }))).status).toBe(200);
  });

  it('answers 413 to a declared length over the cap without reading the body', async () => {
    const POST = fetchHandler(new RecordingWatcher(), { hmacKey: HMAC_KEY, maxBodyBytes: 1_000 });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(500));
      },
    });
    const req = new Request(URL_, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '5000', ...signed(TASK) }, body, duplex: 'half' } as RequestInit);
    expect(await answer(await POST(req))).toEqual({ status: 413, body: { error: 'body-too-large' } });
    // The stream's start may prefetch one chunk; the handler reads none of it.
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it('reads a body of unknown length only up to the cap, then cancels it (never request.json() on an unbounded body)', async () => {
    const POST = fetchHandler(new RecordingWatcher(), { hmacKey: HMAC_KEY, maxBodyBytes: 64 * 1024 });
    let pulled = 0;
    let cancelled = false;
    // An endless body: reading it whole would never end.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(16 * 1024).fill(32));
      },
      cancel() {
        cancelled = true;
      },
    });
    const req = new Request(URL_, { method: 'POST', headers: { 'content-type': 'application/json', ...signed(TASK) }, body, duplex: 'half' } as RequestInit);
    expect(await answer(await POST(req))).toEqual({ status: 413, body: { error: 'body-too-large' } });
    expect(cancelled).toBe(true);
    // 64 KiB is four chunks: the fifth crosses the cap; at most one more is prefetched by the stream.
    expect(pulled).toBeLessThanOrEqual(6);
  });

  it('never rejects: a throwing poke, a body stream that errors, a body read before it and a broken request all get answers', async () => {
    const { logger, lines } = captureLogger();
    const throwing: CallbackPokeTarget = {
      poke() {
        throw new Error('watcher exploded');
      },
    };
    const POST = fetchHandler(throwing, { hmacKey: HMAC_KEY, logger });
    expect((await POST(callback(successBody(TASK)))).status).toBe(200);
    await settle();
    expect(lines.some((l) => l.includes('watcher exploded'))).toBe(true);

    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('client went away'));
      },
    });
    const broken = new Request(URL_, { method: 'POST', headers: { 'content-type': 'application/json', ...signed('task-0002') }, body: failing, duplex: 'half' } as RequestInit);
    expect((await POST(broken)).status).toBe(400);

    const used = callback(successBody('task-0003'), signed('task-0003'));
    await used.text();
    expect(await answer(await POST(used))).toEqual({ status: 500, body: { error: 'body-unavailable' } });

    const weird = {
      get method(): string {
        throw new Error('not a request');
      },
    } as unknown as Request;
    expect(await answer(await POST(weird))).toEqual({ status: 500, body: { error: 'internal' } });
    expect(lines.some((l) => l.includes('"level":50') && l.includes('not a request'))).toBe(true);
  });

  it('gives the same statuses and bodies as the Node handler for the same requests', async () => {
    const node = await startReceiver({ hmacKey: HMAC_KEY, maxBodyBytes: 2_000 });
    receivers.push(node);
    const POST = fetchHandler(new RecordingWatcher(), { hmacKey: HMAC_KEY, maxBodyBytes: 2_000 });
    const cases: { name: string; body: string; headers: Record<string, string>; method?: string }[] = [
      { name: 'valid', body: JSON.stringify(successBody('t-1')), headers: signed('t-1') },
      { name: 'replay', body: JSON.stringify(successBody('t-1')), headers: signed('t-1') },
      { name: 'unsigned', body: JSON.stringify(successBody('t-2')), headers: {} },
      { name: 'forged', body: JSON.stringify(successBody('t-3')), headers: signed('t-other') },
      { name: 'future', body: JSON.stringify(successBody('t-4')), headers: signed('t-4', Date.now() + 400_000) },
      { name: 'not json', body: 'nope', headers: signed('t-5') },
      { name: 'no task', body: '{"data":{}}', headers: signed('t-6') },
      { name: 'too large', body: JSON.stringify({ ...successBody('t-7'), pad: 'x'.repeat(3_000) }), headers: signed('t-7') },
      { name: 'text', body: '{}', headers: { ...signed('t-8'), 'content-type': 'text/plain' } },
      { name: 'get', body: '', headers: {}, method: 'GET' },
    ];
    for (const c of cases) {
      const method = c.method ?? 'POST';
      const fromNode = await post(`${node.url}/cb`, c.body, { raw: true, headers: c.headers, method: method as 'POST' });
      const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...c.headers } };
      if (method === 'POST') init.body = c.body;
      const fromFetch = await POST(new Request(URL_, init));
      expect({ name: c.name, status: fromFetch.status, body: await fromFetch.text() }).toEqual({ name: c.name, status: fromNode.status, body: fromNode.text });
    }
  });
});

describe('in a Hono app', () => {
  function honoApp(watcher: CallbackPokeTarget): Hono {
    const POST = fetchHandler(watcher);
    const app = new Hono();
    app.post('/kie/callback', (c) => POST(c.req.raw));
    app.all('/kie/callback-any', (c) => POST(c.req.raw));
    app.get('/health', (c) => c.text('ok'));
    return app;
  }

  it('mounts as a route: 200 and a poke for a signed callback, 401 for a forged one, 413 for a huge one', async () => {
    const watcher = new RecordingWatcher();
    const app = honoApp(watcher);
    const ok = await app.request('/kie/callback', { method: 'POST', headers: { 'content-type': 'application/json', ...signed(TASK) }, body: JSON.stringify(successBody(TASK)) });
    expect(await answer(ok)).toEqual({ status: 200, body: { ok: true } });
    const forged = await app.request('/kie/callback', { method: 'POST', headers: { 'content-type': 'application/json', ...signed('x') }, body: JSON.stringify(successBody(TASK)) });
    expect(forged.status).toBe(401);
    const huge = await app.request('/kie/callback', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed(TASK) },
      body: JSON.stringify({ ...successBody(TASK), pad: 'x'.repeat(100_000) }),
    });
    expect(huge.status).toBe(413);
    expect(await (await app.request('/health')).text()).toBe('ok');
    await settle();
    expect(watcher.pokes).toEqual([{ taskId: TASK, family: undefined }]);
  });

  it('answers 405 itself when mounted with app.all, and Hono answers 404 elsewhere', async () => {
    const app = honoApp(new RecordingWatcher());
    const res = await app.request('/kie/callback-any', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect((await app.request('/kie/callback', { method: 'GET' })).status).toBe(404);
  });
});

describe('with a fleet target (pokeCallback) instead of a watcher', () => {
  class FleetRecorder implements CallbackFleetTarget {
    readonly deliveries: Parameters<CallbackFleetTarget['pokeCallback']>[0][] = [];
    readonly seen = new Set<string>();
    outcome: 'ok' | 'fail' | 'hang' = 'ok';
    pokeCallback(delivery: Parameters<CallbackFleetTarget['pokeCallback']>[0]): Promise<'poked' | 'duplicate'> {
      this.deliveries.push(delivery);
      if (this.outcome === 'fail') return Promise.reject(new Error('redis down'));
      if (this.outcome === 'hang') return new Promise(() => undefined);
      if (this.seen.has(delivery.deliveryKey)) return Promise.resolve('duplicate');
      this.seen.add(delivery.deliveryKey);
      return Promise.resolve('poked');
    }
  }

  it('answers only once the write is done, with the delivery named by taskId and timestamp', async () => {
    const fleet = new FleetRecorder();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: CallbackFleetTarget = { pokeCallback: async (d) => (await gate, fleet.pokeCallback(d)) };
    const POST = fetchHandler(slow, { hmacKey: HMAC_KEY, dedupeTtlMs: 60_000 });
    const headers = signed(TASK);
    let answered = false;
    const pending = POST(callback({ code: 200, msg: 'ok', data: { callbackType: 'complete', task_id: TASK, data: [] } }, headers)).then((r) => ((answered = true), r));
    await settle();
    expect(answered).toBe(false);
    release();
    expect(await answer(await pending)).toEqual({ status: 200, body: { ok: true } });
    expect(fleet.deliveries).toEqual([{ taskId: TASK, family: 'suno', deliveryKey: `s:${TASK}.${headers['x-webhook-timestamp']}`, rememberMs: 60_000 }]);
  });

  it('passes the fleet\'s verdict on a replay seen by another process: 200 duplicate', async () => {
    const fleet = new FleetRecorder();
    const headers = signed(TASK);
    // Two handlers, as two serverless instances: the second has never seen the delivery, the fleet has.
    expect(await answer(await fetchHandler(fleet)(callback(successBody(TASK), headers)))).toEqual({ status: 200, body: { ok: true } });
    expect(await answer(await fetchHandler(fleet)(callback(successBody(TASK), headers)))).toEqual({ status: 200, body: { ok: true, duplicate: true } });
  });

  it('answers 503 with Retry-After when the fleet fails or is too slow, and takes the next delivery as new', async () => {
    const fleet = new FleetRecorder();
    const POST = fetchHandler(fleet, { hmacKey: HMAC_KEY, pokeTimeoutMs: 50 });
    const headers = signed(TASK);
    fleet.outcome = 'fail';
    const failed = await POST(callback(successBody(TASK), headers));
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('5');
    expect(await failed.json()).toEqual({ error: 'fleet-unavailable' });
    fleet.outcome = 'hang';
    expect((await POST(callback(successBody(TASK), headers))).status).toBe(503);
    fleet.outcome = 'ok';
    expect(await answer(await POST(callback(successBody(TASK), headers)))).toEqual({ status: 200, body: { ok: true } });
    expect(fleet.deliveries).toHaveLength(3);
  });
});
