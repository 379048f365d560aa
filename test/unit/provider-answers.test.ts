import { afterEach, describe, expect, it } from 'vitest';
import { KieApiError, TaskFailedError, TaskWatcher, WatchTimeoutError, type TaskWatcherOptions } from '../../src/index.js';
import { EPOCH, testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, ok, record, success, type MockApi, type Reply } from '../helpers/mock-api.js';

// Bodies as the provider really sends them (FACTS.md, captured live by other clients): error answers usually
// have no `data` key at all, times come as strings, progress in several spellings.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(answer: (taskId: string, n: number) => Reply, extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi } {
  const clock = testClock();
  const api = mockApi(answer, clock.now);
  const w = new TaskWatcher({ apiKey: 'k3y-abc', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, policy: { intervalMs: 1000 }, ...extra });
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  return { w, clock, api };
}

const settle = <T>(p: Promise<T>): Promise<T | unknown> => p.catch((e: unknown) => e);

describe('error answers without a data key', () => {
  it('body 401 (captured live) halts the watcher after one answer; each error names its own task', async () => {
    const { w, clock, api } = setup(() => ({ body: { code: 401, msg: 'You do not have access permissions' } }));
    const waits = ['a', 'b', 'c'].map((id) => settle(w.waitForCompletion(id)));
    await clock.advance(15_000);
    const errors = await Promise.all(waits);
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      expect(errors[i]).toBeInstanceOf(KieApiError);
      expect(errors[i]).toMatchObject({ providerCode: 401, taskId: id });
    }
    // The three first polls go out together; nothing is sent once the first 401 is read.
    expect(api.requests.length).toBeLessThanOrEqual(3);
    const late = await settle(w.waitForCompletion('d'));
    expect(late).toMatchObject({ code: 'KIE_API_ERROR', providerCode: 401, taskId: 'd' });
    const failed: unknown[] = [];
    w.on('failed', (e) => failed.push(e));
    w.watch('e');
    await clock.advance(10);
    expect(failed).toEqual([expect.objectContaining({ taskId: 'e', error: expect.objectContaining({ taskId: 'e', providerCode: 401 }) })]);
  });

  it('the long 401 message with an en dash, and body 402, halt as well', async () => {
    for (const body of [
      { code: 401, msg: 'Unauthorized – Authentication failed. Please check that your Authorization and Content-Type headers are correctly set.' },
      { code: 402, msg: 'Insufficient credits' },
    ]) {
      const { w, clock, api } = setup(() => ({ body }));
      const p = settle(w.waitForCompletion('a'));
      await clock.advance(10_000);
      expect(await p).toMatchObject({ code: 'KIE_API_ERROR', providerCode: body.code });
      expect(api.requests.length).toBe(1);
    }
  });

  it('body 429 without data is rate limiting: the task backs off and ends normally', async () => {
    const { w, clock } = setup((id, n) => (n < 2 ? { body: { code: 429, msg: 'Rate limited', retryAfter: 1 } } : success(id)));
    const limited: unknown[] = [];
    w.on('rateLimited', (e) => limited.push(e));
    const p = w.waitForCompletion('a');
    await clock.advance(20_000);
    await expect(p).resolves.toMatchObject({ taskId: 'a' });
    expect(limited.length).toBeGreaterThanOrEqual(2);
  });

  it('body 455 and 500 without data are retried, longer than an unreadable answer would be', async () => {
    // Seven in a row: more than `retry.maxInvalidResponses` (5), so reading them as invalid would give up.
    const { w, clock } = setup((id, n) => (n < 4 ? { body: { code: 455, msg: 'maintenance' } } : n < 7 ? { body: { code: 500, msg: 'Server Error', error: 'x' } } : success(id)));
    const retries: unknown[] = [];
    w.on('retry', (e) => retries.push(e));
    const p = w.waitForCompletion('a');
    await clock.advance(120_000, 100);
    await expect(p).resolves.toMatchObject({ taskId: 'a' });
    expect(retries.length).toBe(7);
    expect(retries[0]).toMatchObject({ reason: expect.stringContaining('455') });
  });

  it('market jobs say `message` instead of `msg`', async () => {
    const { w, clock } = setup(() => ({ body: { code: 401, message: 'Unauthorized' } }));
    const p = settle(w.waitForCompletion('a'));
    await clock.advance(1_000);
    expect(await p).toMatchObject({ providerCode: 401, providerMessage: 'Unauthorized' });
  });

  it('body 501 ("generation failed" in the provider docs) ends the task as failed, without retrying', async () => {
    const { w, clock, api } = setup(() => ({ body: { code: 501, msg: 'generation failed' } }));
    const p = settle(w.waitForCompletion('a'));
    await clock.advance(60_000);
    const err = await p;
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err).toMatchObject({ taskId: 'a', errorCode: 501, errorMessage: 'generation failed' });
    expect(api.requests.length).toBe(1);
  });
});

describe('HTTP 401 and 403 are account-fatal whatever the body says', () => {
  for (const [status, body] of [
    [401, { code: 200, msg: 'success', data: null }],
    [401, { code: 422, msg: 'record is null', data: null }],
    [403, { code: 500, msg: 'Server Error', data: null }],
    [403, { error: 'forbidden' }],
  ] as const) {
    it(`HTTP ${status} with ${JSON.stringify(body)}`, async () => {
      const { w, clock, api } = setup(() => ({ status, body }));
      const waits = ['a', 'b'].map((id) => settle(w.waitForCompletion(id)));
      await clock.advance(30_000);
      for (const [i, e] of (await Promise.all(waits)).entries()) {
        expect(e).toBeInstanceOf(KieApiError);
        expect(e).toMatchObject({ httpStatus: status, taskId: ['a', 'b'][i] });
      }
      expect(api.requests.length).toBeLessThanOrEqual(2);
    });
  }
});

describe('the key is redacted where it could leak, never in returned data', () => {
  it('a short key does not corrupt result URLs that happen to contain it', async () => {
    const url = 'https://example.com/x/result-x.png';
    const { w, clock } = setup((id) => success(id, [url]), { apiKey: 'x' });
    const p = w.waitForCompletion('a');
    await clock.advance(100);
    await expect(p).resolves.toMatchObject({ resultUrls: [url] });
  });

  it('echoes of the key in error messages are redacted, JSON-escaped and URL-encoded ones too', async () => {
    const key = 'sk/ab+key"42';
    const echoes = [`bad key ${key}`, `bad key ${encodeURIComponent(key)}`];
    for (const msg of echoes) {
      // Written as the JSON a server may send: slashes escaped, one letter as a \u escape.
      const body = `{"code":401,"msg":${JSON.stringify(msg).replace('/', '\\/').replace('ab', '\\u0061b')}}`;
      const { w, clock } = setup(() => ({ body }), { apiKey: key });
      const wait = settle(w.waitForCompletion('a'));
      await clock.advance(10);
      const err = await wait;
      const text = `${String((err as Error).message)} ${(err as KieApiError).providerMessage}`;
      expect(text).not.toContain(key);
      expect(text).not.toContain(encodeURIComponent(key));
      expect(text).toContain('[redacted]');
    }
  });

  it('implausible keys are refused with a TypeError', () => {
    for (const apiKey of ['', '   ', 'two words', 'tab\there', 'line\nbreak', 'clé-non-ascii']) {
      expect(() => new TaskWatcher({ apiKey, baseUrl: BASE })).toThrow(TypeError);
    }
  });
});

describe('no status is invented', () => {
  it('a record final only by successFlag ends with a progress event that has no status', async () => {
    const { w, clock } = setup((id, n) =>
      n === 0
        ? ok({ taskId: id, successFlag: 0, progress: '0.40' })
        : ok({ taskId: id, successFlag: 1, response: { resultUrls: ['https://cdn.test/a.png'] } }),
    );
    const events: { status: unknown; progress: number }[] = [];
    w.on('progress', (e) => events.push({ status: e.status, progress: e.progress }));
    const p = w.waitForCompletion('a');
    await clock.advance(2_000);
    await p;
    expect(events.map((e) => e.status)).toEqual([null, null]);
    expect(events.at(-1)?.progress).toBe(1);
  });

  it('a timeout on a record without a status does not claim GENERATING', async () => {
    const { w, clock } = setup((id) => ok({ taskId: id, successFlag: 0 }));
    const p = settle(w.waitForCompletion('a', { timeoutMs: 3_000 }));
    await clock.advance(4_000);
    const err = await p;
    expect(err).toBeInstanceOf(WatchTimeoutError);
    expect((err as WatchTimeoutError).lastStatus).toBeNull();
    expect((err as Error).message).not.toContain('GENERATING');
  });
});

describe('policies that return extremes', () => {
  it('Infinity means "as late as possible", not "as soon as possible"', async () => {
    const { w, clock, api } = setup((id) => generating(id), { policy: () => Infinity });
    w.watch('a', { timeoutMs: 60_000 });
    w.on('timeout', () => undefined);
    await clock.advance(30_000, 100);
    expect(api.requests.length).toBe(1);
  });

  it('a fixed interval below the per-task limit is refused with a RangeError naming the minimum', () => {
    let err: unknown;
    try {
      new TaskWatcher({ apiKey: 'k', baseUrl: BASE, policy: { intervalMs: 100 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RangeError);
    expect(String((err as Error).message)).toMatch(/intervalMs.*374/);
  });
});

describe('record variants', () => {
  const cases: [string, Record<string, unknown>, { progress?: number; createTime?: number | null }][] = [
    ['progress "0.48"', { progress: '0.48' }, { progress: 0.48 }],
    ['progress as a percent number', { progress: 48 }, { progress: 0.48 }],
    ['progress as a percent string', { progress: '48%' }, { progress: 0.48 }],
    ['quickstart string times', { createTime: '2026-11-21 11:59:00' }, { createTime: EPOCH - 60_000 }],
    ['ISO-8601 times with Z', { createTime: '2026-11-21T11:59:00Z' }, { createTime: EPOCH - 60_000 }],
    ['ISO-8601 times with an offset and milliseconds', { createTime: '2026-11-21T19:59:00.000+08:00' }, { createTime: EPOCH - 60_000 }],
  ];
  for (const [name, fields, expected] of cases) {
    it(name, async () => {
      const { w, clock } = setup((id, n) =>
        n === 0 ? ok(record(id, fields)) : ok(record(id, { ...fields, status: 'SUCCESS', successFlag: 1, progress: '1.00', response: { resultUrls: ['https://cdn.test/a.png'] } })),
      );
      const seen: number[] = [];
      const p = w.waitForCompletion('a', { onProgress: (e) => seen.push(e.progress) });
      await clock.advance(2_000);
      const result = await p;
      if (expected.progress !== undefined) expect(seen[0]).toBeCloseTo(expected.progress, 5);
      if (expected.createTime !== undefined) expect(result.createTime).toBe(expected.createTime);
    });
  }
});
