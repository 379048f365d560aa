/**
 * Fault matrix, end to end, for the faults the simulator has no knob for: our own `node:http` server on
 * 127.0.0.1 answers, and counts every request per task so the rate limit is checked on arrival times.
 * Each test asserts the scripted outcome of every task, at most 3 requests per task in any sliding
 * second, bounded retries, and no unhandled rejection or uncaught exception (file-wide spies).
 */
import type { ServerResponse } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { describe, expect, it, type TestContext } from 'vitest';
import { InvalidResponseError, KieApiError, TaskWatcher, TransportError, type RateLimitedEvent, type TaskWatcherOptions } from '../../src/index.js';
import {
  Bag,
  envelope,
  errorOf,
  failedBody,
  generatingBody,
  outcomeOf,
  failOnProcessErrors,
  recordData,
  recordEvents,
  sendJson,
  sleep,
  successBody,
  testServer,
  unusedPort,
  until,
  type ScriptContext,
  type TestServer,
} from './helpers.js';

const KEY = 'reliability-own-server-key-0c4f';
failOnProcessErrors();

class ServerBag extends Bag {
  async server(script: (ctx: ScriptContext) => void): Promise<TestServer> {
    return this.add(await testServer(script));
  }
  watcher(url: string, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
    return this.add(new TaskWatcher({ apiKey: KEY, baseUrl: url, policy: 'fastest', retry: { baseDelayMs: 50, maxDelayMs: 400 }, ...extra }));
  }
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const html = (res: ServerResponse, status: number, title: string, contentType = 'text/html'): void => {
  const text = `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

/** One 10 MB answer, written with backpressure so that we can tell how much the client made us send. */
interface BigAnswer {
  queued: number;
  finished: boolean;
  closed: boolean;
}
const TEN_MB = 10 * 1024 * 1024;
function sendTenMegabytes(res: ServerResponse, withLength: boolean, log: BigAnswer[]): void {
  const rec: BigAnswer = { queued: 0, finished: false, closed: false };
  log.push(rec);
  const head = Buffer.from('{"code":200,"msg":"');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  res.writeHead(200, { 'content-type': 'application/json', ...(withLength ? { 'content-length': String(TEN_MB) } : {}) });
  res.on('finish', () => (rec.finished = true));
  res.on('close', () => (rec.closed = true));
  res.write(head);
  rec.queued = head.length;
  const pump = (): void => {
    while (rec.queued < TEN_MB && !res.destroyed) {
      const n = Math.min(chunk.length, TEN_MB - rec.queued);
      rec.queued += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

describe.concurrent('fault matrix against our own server', () => {
  it('a wrong content type: JSON labelled text/plain or text/html is read by its body; an HTML page with HTTP 200 is an invalid answer, retried, then InvalidResponseError', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const s = await bag.server(({ taskId, n, res }) => {
      if (taskId === 'portal-forever' || n === 0) return html(res, 200, 'Please log in to the Wi-Fi');
      const body = JSON.stringify(n === 1 ? generatingBody(taskId) : taskId.endsWith('7') ? failedBody(taskId) : successBody(taskId));
      res.writeHead(200, { 'content-type': n === 1 ? 'text/plain; charset=utf-8' : 'text/html' });
      res.end(body);
    });
    const tasks = ids('ctype', 20);
    const w = bag.watcher(s.url, { retry: { baseDelayMs: 50, maxDelayMs: 400, maxInvalidResponses: 3 } });
    const got = await Promise.all(tasks.map((id) => outcomeOf(w.waitForCompletion(id))));
    expect(got).toEqual(tasks.map((id) => (id.endsWith('7') ? 'GENERATE_FAILED' : 'SUCCESS')));
    const err = await errorOf(w.waitForCompletion('portal-forever'));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err).toMatchObject({ taskId: 'portal-forever', httpStatus: 200, message: expect.stringContaining('not JSON') as unknown });
    expect(s.countFor('portal-forever')).toBe(3);
    for (const id of tasks) expect(s.countFor(id)).toBe(3);
    expect(s.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it('a 10 MB body is refused by the size cap without being read: the server never gets to send it all', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const big: BigAnswer[] = [];
    const s = await bag.server(({ taskId, n, res }) => {
      // Even tasks announce the size (refused from the header), odd ones stream it chunked (refused mid-body).
      if (taskId === 'huge-forever' || n === 0) return sendTenMegabytes(res, Number(taskId.split('-')[1]) % 2 === 0, big);
      sendJson(res, successBody(taskId));
    });
    const tasks = ids('huge', 12);
    // Count, per request, the body bytes undici hands to the watcher: what the client actually read.
    const delivered = new Map<string, number>();
    let seq = 0;
    const counting: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
      const key = `${seq++} ${opts.path}`;
      delivered.set(key, 0);
      const count = (chunk: Buffer): void => void delivered.set(key, (delivered.get(key) ?? 0) + chunk.length);
      const proxy = new Proxy(handler, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target) as unknown;
          if (typeof value !== 'function') return value;
          if (prop === 'onResponseData') return (c: unknown, chunk: Buffer) => (count(chunk), (value as (c: unknown, b: Buffer) => unknown).call(target, c, chunk));
          if (prop === 'onData') return (chunk: Buffer) => (count(chunk), (value as (b: Buffer) => unknown).call(target, chunk));
          return (value as (...a: unknown[]) => unknown).bind(target);
        },
      });
      return dispatch(opts, proxy);
    };
    const agent = bag.add(new Agent());
    const w = bag.watcher(s.url, { dispatcher: agent.compose(counting), retry: { baseDelayMs: 50, maxDelayMs: 400, maxInvalidResponses: 2 } });
    const got = await Promise.all(tasks.map((id) => outcomeOf(w.waitForCompletion(id))));
    expect(got).toEqual(tasks.map(() => 'SUCCESS'));
    const err = await errorOf(w.waitForCompletion('huge-forever'));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect((err as Error).message).toMatch(/larger than 1048576 bytes/);
    expect(s.countFor('huge-forever')).toBe(2);
    // Wait for the server side to notice the client hung up.
    await sleep(100);
    expect(big).toHaveLength(14);
    for (const b of big) {
      expect(b.finished).toBe(false);
      expect(b.closed).toBe(true);
      // Backpressure stopped the writer: what it got rid of fits in the kernel's socket buffers, far below 10 MB.
      expect(b.queued).toBeLessThan(TEN_MB / 2);
    }
    // The client side: what undici actually read from the socket for each big answer.
    const seenIds = new Set<string>();
    const bigReads: { announced: boolean; bytes: number }[] = [];
    for (const [key, bytes] of delivered) {
      const id = /taskId=([\w-]+)/.exec(key)?.[1] ?? '';
      // Each task's first answer is the big one; every answer for huge-forever is.
      if (id === 'huge-forever' || !seenIds.has(id)) bigReads.push({ announced: Number(id.split('-')[1]) % 2 === 0, bytes });
      seenIds.add(id);
    }
    expect(bigReads).toHaveLength(14);
    for (const r of bigReads) {
      // Announced: refused on the Content-Length, having read only the first socket read (≤ 64 KiB).
      // Chunked: cut off just past the 1 MiB cap.
      expect(r.bytes).toBeLessThanOrEqual(r.announced ? 64 * 1024 : 1024 * 1024 + 128 * 1024);
    }
    expect(bigReads.filter((r) => r.announced)).toHaveLength(6);
  });

  it('schema drift (missing optional fields, extra fields, unknown statuses, successFlag 3, string codes) is read leniently and ends each task as scripted', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const drift: ((id: string, n: number) => unknown)[] = [
      // 0: only the fields that matter; nothing optional
      (id, n) => envelope(n < 2 ? { taskId: id } : { successFlag: 1, response: { resultUrls: [`https://cdn.test/${id}.png`] } }),
      // 1: extra fields everywhere, code as a string
      (id, n) => ({ ...envelope({ ...(n < 2 ? recordData(id) : (successBody(id) as { data: object }).data), brandNew: { deep: [1, { x: null }] }, model: 'gpt-5o' }), code: '200', traceId: 'abc', ts: 1 }),
      // 2: undocumented statuses before SUCCESS
      (id, n) => (n === 0 ? envelope(recordData(id, { status: 'QUEUED' })) : n === 1 ? envelope(recordData(id, { status: 'RUNNING', progress: 0.5 })) : successBody(id)),
      // 3: successFlag 3 with no status (moderation)
      (id, n) => (n < 1 ? generatingBody(id) : envelope({ taskId: id, successFlag: 3, errorMessage: 'Internal Error' })),
      // 4: successFlag 3 with a status claiming it is still generating
      (id, n) => (n < 1 ? generatingBody(id) : envelope(recordData(id, { successFlag: 3, status: 'GENERATING', errorCode: 400 }))),
      // 5: progress garbage, quickstart times, successFlag as a string, result_urls spelling
      (id, n) =>
        n < 2
          ? envelope(recordData(id, { progress: n ? 'NaN' : '', createTime: '2026-11-21 12:00:00' }))
          : envelope(recordData(id, { status: 'SUCCESS', successFlag: '1', progress: 1, response: { result_urls: ['https://cdn.test/x.png'] } })),
    ];
    // Failures by successFlag alone carry no status: the watcher does not invent one (outcomeOf gives the code).
    const expected = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'KIE_TASK_FAILED', 'KIE_TASK_FAILED', 'SUCCESS'];
    const s = await bag.server(({ taskId, n, res }) => {
      if (taskId === 'limbo') return sendJson(res, envelope(recordData(taskId, { status: 'PAUSED_BY_PROVIDER' })));
      sendJson(res, (drift[Number(taskId.split('-')[1]) % drift.length] as (id: string, n: number) => unknown)(taskId, n));
    });
    const tasks = ids('drift', 30);
    const w = bag.watcher(s.url);
    const got = await Promise.all(tasks.map((id) => outcomeOf(w.waitForCompletion(id))));
    expect(got).toEqual(tasks.map((_, i) => expected[i % expected.length]));
    // An unknown status that never changes is not final: the watcher's own deadline ends it, reported as such.
    const err = await errorOf(w.waitForCompletion('limbo', { timeoutMs: 800 }));
    expect(err).toMatchObject({ code: 'KIE_WATCH_TIMEOUT', lastStatus: 'PAUSED_BY_PROVIDER', taskId: 'limbo' });
    expect(w.stats().retries).toBe(0);
    expect(s.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it('connections reset before any byte of the answer: retried as transport errors, every task ends as scripted', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const s = await bag.server(({ taskId, n, req, res }) => {
      if (n % 2 === 0) return void req.socket.destroy();
      sendJson(res, n < 3 ? generatingBody(taskId) : successBody(taskId));
    });
    const tasks = ids('rst', 25);
    const w = bag.watcher(s.url);
    const got = await Promise.all(tasks.map((id) => outcomeOf(w.waitForCompletion(id))));
    expect(got).toEqual(tasks.map(() => 'SUCCESS'));
    for (const id of tasks) expect(s.countFor(id)).toBe(4);
    expect(w.stats().retries).toBe(50);
    expect(s.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it('a 429 storm on one task (another process polls it) slows only that task; the account is not paused', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const s = await bag.server(({ taskId, n, res }) => {
      if (taskId === 'hot' && n < 5) return sendJson(res, envelope(null, 429, 'rate limited'));
      sendJson(res, n < 2 ? generatingBody(taskId) : successBody(taskId));
    });
    const tasks = ids('calm', 20);
    const w = bag.watcher(s.url, { retry: { baseDelayMs: 100, maxDelayMs: 2_000 } });
    const events = recordEvents(w);
    const doneAt = new Map<string, number>();
    const t0 = performance.now();
    const all = ['hot', ...tasks].map((id) => w.waitForCompletion(id).then((r) => (doneAt.set(id, performance.now() - t0), r.status)));
    expect(await Promise.all(all)).toEqual(['hot', ...tasks].map(() => 'SUCCESS'));
    const limited = events.filter((e) => e.name === 'rateLimited').map((e) => e.payload as RateLimitedEvent);
    expect(limited).toHaveLength(5);
    expect(limited.every((e) => e.taskId === 'hot' && e.scope === 'task' && e.source === 'body')).toBe(true);
    // The calm tasks finished at their own pace (3 polls, ~0.75 s unloaded), before the hot one.
    for (const id of tasks) expect(doneAt.get(id)).toBeLessThan(2_500);
    expect(doneAt.get('hot')).toBeGreaterThan(Math.max(...tasks.map((id) => doneAt.get(id) ?? 0)));
    expect(s.countFor('hot')).toBe(6);
    expect(s.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it('body 401 in the middle of a run: every waiter, stream and watch ends with the API error, polling stops, later calls fail at once', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    let revoked = false;
    const s = await bag.server(({ taskId, res }) => sendJson(res, revoked ? envelope(null, 401, 'Unauthorized') : generatingBody(taskId)));
    const tasks = ids('run', 30);
    const w = bag.watcher(s.url, { policy: 'fastest' });
    const events = recordEvents(w);
    const waits = tasks.flatMap((id) => [errorOf(w.waitForCompletion(id)), errorOf(w.waitForCompletion(id, { signal: new AbortController().signal }))]);
    const streams = tasks.slice(0, 5).map((id) =>
      errorOf(
        (async () => {
          for await (const u of w.updates(id)) void u;
        })(),
      ),
    );
    for (const id of ['w-1', 'w-2', 'w-3']) w.watch(id);
    await sleep(600);
    revoked = true;
    const errs = await Promise.all([...waits, ...streams]);
    for (const e of errs) {
      expect(e).toBeInstanceOf(KieApiError);
      expect(e).toMatchObject({ providerCode: 401, providerMessage: 'Unauthorized' });
    }
    const failed = events.filter((e) => e.name === 'failed').map((e) => (e.payload as { taskId: string }).taskId);
    expect(failed.sort()).toEqual([...tasks, 'w-1', 'w-2', 'w-3'].sort());
    expect(w.stats()).toMatchObject({ pending: 0 });
    // Requests sent before the 401 came back may still be on their way; then nothing more is sent.
    await until(() => w.stats().inFlight === 0);
    const sent = w.stats().requests;
    await until(() => s.hits.length === sent);
    await sleep(800);
    expect(w.stats().requests).toBe(sent);
    expect(s.hits.length).toBe(sent);
    const count = sent;
    // Later calls fail at once, without a request.
    await expect(w.waitForCompletion('later')).rejects.toMatchObject({ code: 'KIE_API_ERROR', providerCode: 401 });
    w.watch('later-2');
    expect(w.isWatching('later-2')).toBe(false);
    expect(s.hits.length).toBe(count);
    expect(s.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it('a plain HTTP 401 page (no JSON) in the middle of a run stops everything the same way', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    let revoked = false;
    const s = await bag.server(({ taskId, res }) => (revoked ? html(res, 401, '401 Authorization Required') : sendJson(res, generatingBody(taskId))));
    const tasks = ids('h401', 20);
    const w = bag.watcher(s.url, { policy: 'fastest' });
    const waits = tasks.map((id) => errorOf(w.waitForCompletion(id)));
    await sleep(400);
    revoked = true;
    for (const e of await Promise.all(waits)) expect(e).toMatchObject({ code: 'KIE_API_ERROR', providerCode: 401, httpStatus: 401 });
    await until(() => w.stats().inFlight === 0);
    const sent = w.stats().requests;
    await until(() => s.hits.length === sent);
    await sleep(500);
    expect(w.stats().requests).toBe(sent);
    expect(s.hits.length).toBe(sent);
  });

  it('a refused connection (nothing listens on the port): bounded retries with backoff, then TransportError for every task', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const port = await unusedPort();
    const w = bag.watcher(`http://127.0.0.1:${port}`, { retry: { baseDelayMs: 20, maxDelayMs: 100, maxConsecutiveErrors: 5 } });
    const events = recordEvents(w);
    const tasks = ids('refused', 20);
    const errs = await Promise.all(tasks.map((id) => errorOf(w.waitForCompletion(id))));
    for (const [i, e] of errs.entries()) {
      expect(e).toBeInstanceOf(TransportError);
      expect(e).toMatchObject({ taskId: tasks[i], attempts: 5 });
      expect((e as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    }
    expect(w.stats()).toMatchObject({ requests: 100, retries: 80, pending: 0 });
    expect(events.filter((e) => e.name === 'retry').every((e) => (e.payload as { reason: string }).reason === 'ECONNREFUSED')).toBe(true);
  });

  it('a DNS failure (a .invalid host that never resolved): TransportError for every task, ENOTFOUND at its first request, bounded retries otherwise', async (ctx: TestContext) => {
    const bag = new ServerBag(ctx.onTestFinished);
    const w = bag.watcher('https://kie-watcher-reliability.invalid', { requestTimeoutMs: 2_000, retry: { baseDelayMs: 20, maxDelayMs: 100, maxConsecutiveErrors: 4 } });
    const tasks = ids('dns', 10);
    const errs = await Promise.all(tasks.map((id) => errorOf(w.waitForCompletion(id))));
    for (const e of errs) {
      expect(e).toBeInstanceOf(TransportError);
      const code = (e as { cause?: { code?: string } }).cause?.code;
      expect(['ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']).toContain(code);
      // A name that never resolved is a misspelt baseUrl (test/reliability/unresolvable-host.test.ts); a resolver
      // that times out or says "try again" is retried up to the limit.
      expect(e).toMatchObject({ attempts: code === 'ENOTFOUND' ? 1 : 4 });
    }
    expect(w.stats().pending).toBe(0);
    expect(w.stats().requests).toBeLessThanOrEqual(40);
  });
});
