import { afterEach, describe, expect, it } from 'vitest';
import {
  InvalidResponseError,
  KieApiError,
  TaskFailedError,
  TaskWatcher,
  TransportError,
  type RetryEvent,
  type TaskWatcherOptions,
} from '../../src/index.js';
import { EPOCH, testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, ok, record, success, type MockApi, type Reply } from '../helpers/mock-api.js';

const KEY = 'canary-key-7f3a9c';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(answer: (taskId: string, n: number) => Reply, extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi } {
  const clock = testClock();
  const api = mockApi(answer, clock.now);
  const w = new TaskWatcher({ apiKey: KEY, baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, ...extra });
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api };
}

async function outcome<T>(p: Promise<T>, clock: TestClock, ms: number): Promise<{ value?: T; error?: unknown }> {
  const r: { value?: T; error?: unknown } = {};
  const settled = p.then(
    (v) => (r.value = v),
    (e: unknown) => (r.error = e),
  );
  await clock.advance(ms, 50);
  await Promise.race([settled, clock.settle()]);
  return r;
}

describe('final states', () => {
  it('resolves with the normalized result once the task reports SUCCESS', async () => {
    const { w, clock } = setup((id, n) => (n < 2 ? generating(id, n === 0 ? '0.20' : '0.60') : success(id)));
    const r = await outcome(w.waitForCompletion('task-1'), clock, 10_000);
    expect(r.value).toMatchObject({ taskId: 'task-1', status: 'SUCCESS', progress: 1, resultUrls: ['https://cdn.test/task-1.png'], params: { prompt: 'a cat', size: '1:1' } });
    expect(r.value?.createTime).toBe(EPOCH);
    expect(w.stats()).toMatchObject({ pending: 0, completed: 1, requests: 3 });
  });

  it('accepts the quickstart variant: string times and response.result_urls', async () => {
    const { w, clock } = setup((id) =>
      ok({ ...record(id, { status: 'SUCCESS', successFlag: 1, progress: '1.00' }), createTime: '2026-11-21 12:00:00', completeTime: '2026-11-21 12:01:00', response: { result_urls: ['https://cdn.test/a.png'] } }),
    );
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.value).toMatchObject({ resultUrls: ['https://cdn.test/a.png'], createTime: EPOCH, completeTime: EPOCH + 60_000 });
  });

  it('rejects with TaskFailedError carrying status, errorCode and errorMessage on GENERATE_FAILED', async () => {
    const { w, clock } = setup((id) => ok(record(id, { status: 'GENERATE_FAILED', successFlag: 2, errorCode: 400, errorMessage: 'content policy' })));
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.error).toBeInstanceOf(TaskFailedError);
    expect(r.error).toMatchObject({ code: 'KIE_TASK_FAILED', taskId: 't1', status: 'GENERATE_FAILED', errorCode: 400, errorMessage: 'content policy' });
  });

  it('treats successFlag 3 (moderation) as a failure even when status is missing', async () => {
    const { w, clock } = setup((id) => ok(record(id, { status: undefined, successFlag: 3, errorMessage: 'Internal Error' })));
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.error).toMatchObject({ code: 'KIE_TASK_FAILED', status: null, successFlag: 3, errorMessage: 'Internal Error' });
  });

  it('rejects CREATE_TASK_FAILED with its own status', async () => {
    const { w, clock } = setup((id) => ok(record(id, { status: 'CREATE_TASK_FAILED', successFlag: 2, errorCode: 451 })));
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.error).toMatchObject({ status: 'CREATE_TASK_FAILED', errorCode: 451 });
  });

  it('does not accept SUCCESS without a result URL: retries, then InvalidResponseError', async () => {
    const { w, clock, api } = setup((id) => ok(record(id, { status: 'SUCCESS', successFlag: 1, response: { resultUrls: [] } })), { retry: { maxInvalidResponses: 3 } });
    const r = await outcome(w.waitForCompletion('t1'), clock, 60_000);
    expect(r.error).toBeInstanceOf(InvalidResponseError);
    expect(api.requests).toHaveLength(3);
  });

  it('keeps polling through an undocumented status and finishes on SUCCESS', async () => {
    const { w, clock } = setup((id, n) => (n === 0 ? ok(record(id, { status: 'QUEUED_SOMEWHERE' })) : success(id)));
    const r = await outcome(w.waitForCompletion('t1'), clock, 5_000);
    expect(r.value?.status).toBe('SUCCESS');
  });
});

describe('progress', () => {
  it('reports progress as a number that never decreases, even when the provider rounds backwards', async () => {
    const steps = ['0.10', '0.40', '0.39', '0.40', '0.80'];
    const { w, clock } = setup((id, n) => (n < steps.length ? generating(id, steps[n]) : success(id)), { policy: { intervalMs: 1000 } });
    const seen: number[] = [];
    const fromOption: number[] = [];
    w.on('progress', (e) => seen.push(e.progress));
    const r = await outcome(w.waitForCompletion('t1', { onProgress: (e) => fromOption.push(e.progress) }), clock, 10_000);
    expect(r.value).toBeDefined();
    expect(seen).toEqual([0.1, 0.4, 0.8, 1]);
    expect(fromOption).toEqual(seen);
  });

  it('yields progress then completed from updates(), and ends', async () => {
    const { w, clock } = setup((id, n) => (n < 2 ? generating(id, n ? '0.50' : '0.20') : success(id)), { policy: { intervalMs: 1000 } });
    const items: string[] = [];
    const done = (async () => {
      for await (const u of w.updates('t1')) items.push(u.type === 'progress' ? `p${u.progress}` : u.type);
    })();
    await clock.advance(5_000);
    await done;
    expect(items).toEqual(['p0.2', 'p0.5', 'p1', 'completed']);
  });

  it('throws the task failure from updates()', async () => {
    const { w, clock } = setup((id) => ok(record(id, { status: 'GENERATE_FAILED', successFlag: 2 })));
    const done = (async () => {
      for await (const _ of w.updates('t1')) void _;
    })();
    const r = await outcome(done, clock, 100);
    expect(r.error).toBeInstanceOf(TaskFailedError);
  });
});

describe('provider errors', () => {
  it('retries body codes 500, 455 and 408 and plain HTTP 503 with backoff, then succeeds', async () => {
    const script: Reply[] = [
      { body: { code: 500, msg: 'server error', data: null } },
      { body: { code: 455, msg: 'maintenance', data: null } },
      { body: { code: 408, msg: 'upstream timeout', data: null } },
      { status: 503, body: '<html>Service Unavailable</html>', headers: { 'content-type': 'text/html' } },
    ];
    const { w, clock } = setup((id, n) => script[n] ?? success(id));
    const retries: RetryEvent[] = [];
    w.on('retry', (e) => retries.push(e));
    const r = await outcome(w.waitForCompletion('t1'), clock, 60_000);
    expect(r.value?.status).toBe('SUCCESS');
    expect(retries.map((e) => e.reason)).toEqual(['body code 500: server error', 'body code 455: maintenance', 'body code 408: upstream timeout', 'HTTP 503']);
    // Equal jitter with random()=0.5: 0.75 of base * 2^(n-1).
    expect(retries.map((e) => e.delayMs)).toEqual([750, 1500, 3000, 6000]);
  });

  it('gives up with TransportError after maxConsecutiveErrors', async () => {
    const { w, clock } = setup(() => ({ status: 502, body: 'bad gateway' }), { retry: { maxConsecutiveErrors: 4, baseDelayMs: 100, maxDelayMs: 400 } });
    const r = await outcome(w.waitForCompletion('t1'), clock, 10_000);
    expect(r.error).toBeInstanceOf(TransportError);
    expect(r.error).toMatchObject({ attempts: 4, taskId: 't1' });
  });

  it('retries malformed JSON, then rejects with InvalidResponseError after the limit', async () => {
    const { w, clock, api } = setup(() => ({ body: '{"code":200,"data":{' }), { retry: { maxInvalidResponses: 2 } });
    const r = await outcome(w.waitForCompletion('t1'), clock, 30_000);
    expect(r.error).toBeInstanceOf(InvalidResponseError);
    expect(api.requests).toHaveLength(2);
  });

  it('waits out "record is null" (422) and data:null during the grace period', async () => {
    const { w, clock } = setup((id, n) => (n === 0 ? { body: { code: 422, msg: 'record is null', data: null } } : n === 1 ? ok(null) : success(id)));
    const r = await outcome(w.waitForCompletion('t1'), clock, 10_000);
    expect(r.value?.status).toBe('SUCCESS');
  });

  it('rejects a task still unknown after the grace period with KieApiError', async () => {
    const { w, clock } = setup(() => ({ body: { code: 422, msg: 'record is null', data: null } }), { unknownTaskGraceMs: 5_000 });
    const r = await outcome(w.waitForCompletion('t1'), clock, 20_000);
    expect(r.error).toBeInstanceOf(KieApiError);
    expect(r.error).toMatchObject({ providerCode: 422, providerMessage: 'record is null', taskId: 't1' });
  });

  it('stops every task and rejects every waiter on 401, and later waits reject at once', async () => {
    const { w, clock, api } = setup((id, n) => (n < 2 ? generating(id) : { body: { code: 401, msg: 'Unauthorized', data: null } }), { policy: { intervalMs: 1000 } });
    const a = outcome(w.waitForCompletion('a'), clock, 10_000);
    const b = w.waitForCompletion('b').catch((e: unknown) => e);
    const ra = await a;
    expect(ra.error).toBeInstanceOf(KieApiError);
    expect(await b).toMatchObject({ code: 'KIE_API_ERROR', providerCode: 401 });
    const count = api.requests.length;
    await clock.advance(10_000);
    expect(api.requests.length).toBe(count);
    await expect(w.waitForCompletion('c')).rejects.toMatchObject({ providerCode: 401 });
    expect(w.stats().pending).toBe(0);
  });

  it('stops on 402 insufficient credits', async () => {
    const { w, clock } = setup(() => ({ body: { code: 402, msg: 'Insufficient credits', data: null } }));
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.error).toMatchObject({ code: 'KIE_API_ERROR', providerCode: 402, providerMessage: 'Insufficient credits' });
  });

  it('slows a task on body 429 and reports it as rateLimited with task scope', async () => {
    const { w, clock } = setup((id, n) => (n === 0 ? { body: { code: 429, msg: 'too many', data: null } } : success(id)));
    const events: unknown[] = [];
    w.on('rateLimited', (e) => events.push(e));
    const r = await outcome(w.waitForCompletion('t1'), clock, 5_000);
    expect(r.value).toBeDefined();
    expect(events).toEqual([{ taskId: 't1', family: 'gpt4o-image', scope: 'task', delayMs: 750, source: 'body' }]);
  });

  it('pauses the whole account on HTTP 429 and honours Retry-After', async () => {
    let limited = true;
    const { w, clock, api } = setup((id) => (limited ? { status: 429, body: 'slow down', headers: { 'retry-after': '3' } } : success(id)));
    const scopes: string[] = [];
    w.on('rateLimited', (e) => {
      scopes.push(`${e.scope}:${e.delayMs}`);
      limited = false;
    });
    const p = outcome(Promise.all([w.waitForCompletion('a'), w.waitForCompletion('b')]), clock, 10_000);
    const r = await p;
    expect(r.value).toHaveLength(2);
    expect(scopes).toContain('account:3000');
    const after = api.requests.filter((q) => q.at > 0);
    expect(Math.min(...after.map((q) => q.at))).toBeGreaterThanOrEqual(3000);
  });

  it('caps a huge Retry-After at retry.maxDelayMs', async () => {
    const { w, clock } = setup((id, n) => (n === 0 ? { status: 429, body: '', headers: { 'retry-after': '999999' } } : success(id)), { retry: { maxDelayMs: 2_000 } });
    const delays: number[] = [];
    w.on('rateLimited', (e) => delays.push(e.delayMs));
    const r = await outcome(w.waitForCompletion('t1'), clock, 5_000);
    expect(r.value).toBeDefined();
    expect(Math.max(...delays)).toBe(2_000);
  });

  it('refuses a body larger than maxResponseBytes as invalid', async () => {
    const big = JSON.stringify({ code: 200, msg: 'x'.repeat(20_000), data: null });
    const { w, clock } = setup(() => ({ body: big }), { maxResponseBytes: 4096, retry: { maxInvalidResponses: 1 } });
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.error).toBeInstanceOf(InvalidResponseError);
    expect((r.error as Error).message).toMatch(/larger than 4096 bytes/);
  });

  it('does not follow redirects (the key would go with them)', async () => {
    const { w, clock, api } = setup(() => ({ status: 302, body: '', headers: { location: 'https://evil.test/steal' } }), { retry: { maxInvalidResponses: 1 } });
    const r = await outcome(w.waitForCompletion('t1'), clock, 100);
    expect(r.error).toBeInstanceOf(InvalidResponseError);
    expect(api.requests).toHaveLength(1);
  });
});

describe('requests', () => {
  it('sends the key only as a Bearer header, a descriptive User-Agent, and the taskId URL-encoded', async () => {
    const { w, clock, api } = setup((id) => success(id));
    await outcome(w.waitForCompletion('abc:1.2_3-4'), clock, 100);
    const req = api.requests[0];
    expect(req?.taskId).toBe('abc:1.2_3-4');
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req?.headers['user-agent']).toMatch(/^kie-watcher\/\d+\.\d+\.\d+ /);
  });

  it('never puts the key in an error, an event or a log line', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'trace' }, { write: (s: string) => lines.push(s) });
    const replies: Reply[] = [
      { status: 503, body: 'x' },
      { body: '{bad' },
      { body: { code: 429, msg: 'slow', data: null } },
      { body: { code: 401, msg: 'Unauthorized', data: null } },
    ];
    const { w, clock } = setup((_, n) => replies[n] ?? { body: { code: 401, msg: 'Unauthorized', data: null } }, { logger });
    const events: unknown[] = [];
    for (const name of ['progress', 'retry', 'rateLimited', 'failed', 'timeout', 'completed'] as const) w.on(name, (e: unknown) => events.push(e));
    const r = await outcome(w.waitForCompletion('t1'), clock, 60_000);
    const err = r.error as Error & { cause?: unknown };
    const dump = JSON.stringify({ lines, events: events.map((e) => JSON.stringify(e, Object.getOwnPropertyNames(e))), message: err.message, stack: err.stack, cause: String(err.cause) });
    expect(lines.length).toBeGreaterThan(0);
    expect(dump).not.toContain(KEY);
  });
});
