/**
 * Hostile and careless input at every public entry point: `new TaskWatcher(options)`, `watch`,
 * `waitForCompletion`, `updates`. Each must refuse with a TypeError that names the option and says what
 * type of value it got, and disturb nothing else: a task being watched meanwhile finishes normally, and
 * no request goes out for a refused taskId.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskWatcher, type TaskWatcherOptions } from '../../src/index.js';
import { testClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success } from '../helpers/mock-api.js';
import { processSpies, resourceCounts, settledResources } from './helpers.js';

let spies: ReturnType<typeof processSpies>;
beforeEach(() => {
  spies = processSpies();
});
afterEach(() => {
  spies.dispose();
  expect(spies.seen).toEqual([]);
});

/** How the library describes a value's type in its messages (options.ts `describe`). */
const NAMES_TYPE = /got (the number|NaN|the string|a string of length \d+|a value of type \w+|null|an array|an empty string)/;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('new TaskWatcher(options)', () => {
  const ok = { apiKey: 'k' };
  const cases: [string, unknown, RegExp][] = [
    ['options', null, /`options`/],
    ['options', 'my-key', /`options`/],
    ['options', 42, /`options`/],
    ['apiKey', { apiKey: '' }, /`apiKey`/],
    ['apiKey', { apiKey: '   ' }, /`apiKey`/],
    ['apiKey', { apiKey: 42 }, /`apiKey`/],
    ['apiKey', { apiKey: undefined }, /`apiKey`/],
    ['apiKey', { apiKey: ['k'] }, /`apiKey`/],
    ['baseUrl', { ...ok, baseUrl: 'ftp://api.kie.ai' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'file:///etc/passwd' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'javascript:alert(1)' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'ws://127.0.0.1:8080' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'data:text/plain,hi' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'not a url' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'api.kie.ai' }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 42 }, /`baseUrl`/],
    ['baseUrl', { ...ok, baseUrl: 'http://api.kie.ai' }, /`baseUrl`.*allowInsecureHttp/],
    ['baseUrl', { ...ok, baseUrl: 'http://127.0.0.1.nip.io' }, /allowInsecureHttp/],
    ['baseUrl', { ...ok, baseUrl: 'http://localhost.attacker.test' }, /allowInsecureHttp/],
    ['baseUrl', { ...ok, baseUrl: 'http://10.0.0.5:8080' }, /allowInsecureHttp/],
    ['baseUrl', { ...ok, baseUrl: 'http://0.0.0.0' }, /allowInsecureHttp/],
    ['baseUrl', { ...ok, baseUrl: 'https://user:pass@api.kie.ai' }, /`baseUrl`.*without credentials/],
    ['baseUrl', { ...ok, baseUrl: 'https://api.kie.ai/?x=1' }, /`baseUrl`/],
    ['allowInsecureHttp', { ...ok, allowInsecureHttp: 'yes' }, /`allowInsecureHttp`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: 4 }, /`maxRequestsPerSecondPerTask`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: 3.01 }, /`maxRequestsPerSecondPerTask`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: 1_000 }, /`maxRequestsPerSecondPerTask`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: Infinity }, /`maxRequestsPerSecondPerTask`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: 0 }, /`maxRequestsPerSecondPerTask`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: -1 }, /`maxRequestsPerSecondPerTask`/],
    ['maxRequestsPerSecondPerTask', { ...ok, maxRequestsPerSecondPerTask: '3' }, /`maxRequestsPerSecondPerTask`/],
    ['accountRequestsPerSecond', { ...ok, accountRequestsPerSecond: 0 }, /`accountRequestsPerSecond`/],
    ['accountRequestsPerSecond', { ...ok, accountRequestsPerSecond: -5 }, /`accountRequestsPerSecond`/],
    ['accountRequestsPerSecond', { ...ok, accountRequestsPerSecond: 'fast' }, /`accountRequestsPerSecond`/],
    ['timeoutMs', { ...ok, timeoutMs: -1 }, /`timeoutMs`/],
    ['timeoutMs', { ...ok, timeoutMs: Number.NaN }, /`timeoutMs`/],
    ['timeoutMs', { ...ok, timeoutMs: '60000' }, /`timeoutMs`/],
    ['timeoutMs', { ...ok, timeoutMs: Infinity }, /`timeoutMs`/],
    ['timeoutMs', { ...ok, timeoutMs: {} }, /`timeoutMs`/],
    ['timeoutMs', { ...ok, timeoutMs: 365 * 24 * 3_600_000 }, /`timeoutMs`/],
    ['requestTimeoutMs', { ...ok, requestTimeoutMs: 0 }, /`requestTimeoutMs`/],
    ['requestTimeoutMs', { ...ok, requestTimeoutMs: -100 }, /`requestTimeoutMs`/],
    ['unknownTaskGraceMs', { ...ok, unknownTaskGraceMs: -1 }, /`unknownTaskGraceMs`/],
    ['maxResponseBytes', { ...ok, maxResponseBytes: 10 }, /`maxResponseBytes`/],
    ['maxResponseBytes', { ...ok, maxResponseBytes: 2048.5 }, /`maxResponseBytes`/],
    ['maxInFlight', { ...ok, maxInFlight: 0 }, /`maxInFlight`/],
    ['maxInFlight', { ...ok, maxInFlight: 1.5 }, /`maxInFlight`/],
    ['connections', { ...ok, connections: 0 }, /`connections`/],
    ['rateJitterMarginMs', { ...ok, rateJitterMarginMs: -1 }, /`rateJitterMarginMs`/],
    ['resultCacheSize', { ...ok, resultCacheSize: -1 }, /`resultCacheSize`/],
    ['retry', { ...ok, retry: 5 }, /`retry`/],
    ['retry.baseDelayMs', { ...ok, retry: { baseDelayMs: -1 } }, /`retry.baseDelayMs`/],
    ['retry.maxDelayMs', { ...ok, retry: { maxDelayMs: 'long' } }, /`retry.maxDelayMs`/],
    ['retry.maxConsecutiveErrors', { ...ok, retry: { maxConsecutiveErrors: 0 } }, /`retry.maxConsecutiveErrors`/],
    ['retry.maxInvalidResponses', { ...ok, retry: { maxInvalidResponses: 2.5 } }, /`retry.maxInvalidResponses`/],
    ['userAgent', { ...ok, userAgent: '' }, /`userAgent`/],
    ['userAgent', { ...ok, userAgent: 'ua\r\nX-Injected: 1' }, /`userAgent`/],
    ['userAgent', { ...ok, userAgent: 42 }, /`userAgent`/],
    ['logger', { ...ok, logger: 'console' }, /`logger`/],
    ['dispatcher', { ...ok, dispatcher: 5 }, /`dispatcher`/],
    ['clock', { ...ok, clock: 'utc' }, /`clock`/],
    ['random', { ...ok, random: 4 }, /`random`/],
    ['policy', { ...ok, policy: 'sometimes' }, /`policy`/],
    ['policy', { ...ok, policy: 42 }, /`policy`/],
    ['policy.intervalMs', { ...ok, policy: { intervalMs: -5 } }, /`policy.intervalMs`/],
  ];

  it.each(cases)('rejects a bad %s (%o) with a TypeError naming it and the value type', (_name, options, names) => {
    const err = thrown(() => new TaskWatcher(options as TaskWatcherOptions));
    expect(err).toBeInstanceOf(TypeError);
    const message = (err as Error).message;
    expect(message).toMatch(names);
    expect(message).toMatch(NAMES_TYPE);
    expect(message).toMatch(/^kie-watcher: /);
  });

  it('without an apiKey option or KIE_API_KEY: a TypeError naming both; with KIE_API_KEY set, no option is needed', () => {
    const saved = process.env['KIE_API_KEY'];
    try {
      delete process.env['KIE_API_KEY'];
      expect(() => new TaskWatcher()).toThrow(/`apiKey`.*KIE_API_KEY/);
      process.env['KIE_API_KEY'] = 'from-env';
      expect(new TaskWatcher()).toBeInstanceOf(TaskWatcher);
      process.env['KIE_API_KEY'] = 'from env';
      expect(() => new TaskWatcher()).toThrow(/KIE_API_KEY must be visible ASCII/);
    } finally {
      if (saved === undefined) delete process.env['KIE_API_KEY'];
      else process.env['KIE_API_KEY'] = saved;
    }
  });

  it('never echoes the key or URL credentials in a validation message', () => {
    for (const apiKey of ['sk-live-secret\n', 'sk-live-secret\r\nX: 1']) {
      expect((thrown(() => new TaskWatcher({ apiKey })) as Error).message).not.toContain('sk-live-secret');
    }
    const err = thrown(() => new TaskWatcher({ apiKey: 'k', baseUrl: 'https://admin:hunter2@api.kie.ai' })) as Error;
    expect(err.message).not.toContain('hunter2');
  });

  it('a refused construction leaves nothing behind (no handle, no timer), however often it happens', async () => {
    const baseline = resourceCounts();
    for (let i = 0; i < 200; i++) {
      for (const [, options] of cases) expect(() => new TaskWatcher(options as TaskWatcherOptions)).toThrow(TypeError);
    }
    expect(await settledResources(baseline, 200)).toEqual([]);
  });
});

describe('watch / waitForCompletion / updates', () => {
  const badIds: unknown[] = [
    '',
    'x'.repeat(129),
    '../x',
    '..',
    '.',
    'a/../../b',
    'a?b=c',
    'a#b',
    'a&taskId=other',
    'a b',
    ' lead',
    'trail ',
    '\t',
    'a\nb',
    'a\r\nX-Injected: 1',
    'tâche',
    '任务',
    'emoji🙂',
    '%2e%2e',
    'a%2Fb',
    'a\u0000b',
    'a/b',
    'a\\b',
    null,
    undefined,
    42,
    {},
    ['t1'],
  ];

  /** A watcher on MockAgent with one good task in flight, so that we can see nothing else was disturbed. */
  async function withBystander(): Promise<{ w: TaskWatcher; done: Promise<unknown>; finish: () => Promise<void>; requested: () => string[] }> {
    const clock = testClock();
    const api = mockApi((id, n) => (n < 3 ? generating(id) : success(id)), clock.now);
    const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, policy: { intervalMs: 1_000 } });
    const done = w.waitForCompletion('bystander');
    await clock.advance(1_500);
    return {
      w,
      done,
      requested: () => [...new Set(api.requests.map((r) => r.taskId))],
      finish: async () => {
        await clock.advance(5_000);
        await w.close();
        await api.close();
      },
    };
  }

  it.each(badIds.map((id) => [id]))('taskId %j is refused by every entry point with a TypeError naming taskId and the value type', async (id) => {
    const { w, done, finish, requested } = await withBystander();
    const errors = [
      thrown(() => w.watch(id as string)),
      await w.waitForCompletion(id as string).then(
        () => undefined,
        (e: unknown) => e,
      ),
      thrown(() => w.updates(id as string)),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/`taskId`/);
      expect((err as Error).message).toMatch(NAMES_TYPE);
    }
    expect(w.stats().pending).toBe(1);
    await finish();
    await expect(done).resolves.toMatchObject({ taskId: 'bystander', status: 'SUCCESS' });
    expect(requested()).toEqual(['bystander']);
  });

  it.each([[-1], [Number.NaN], ['1000'], [Infinity], [null], [{}], [400 * 24 * 3_600_000]])('timeoutMs %j is refused by every entry point, naming timeoutMs and the value type', async (timeoutMs) => {
    const { w, done, finish, requested } = await withBystander();
    const opts = { timeoutMs } as unknown as { timeoutMs: number };
    const errors = [
      thrown(() => w.watch('good-id', opts)),
      await w.waitForCompletion('good-id', opts).then(
        () => undefined,
        (e: unknown) => e,
      ),
      thrown(() => w.updates('good-id', opts)),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(/`timeoutMs`/);
      expect((err as Error).message).toMatch(NAMES_TYPE);
    }
    expect(w.isWatching('good-id')).toBe(false);
    await finish();
    await expect(done).resolves.toMatchObject({ status: 'SUCCESS' });
    expect(requested()).toEqual(['bystander']);
  });

  it('a bad signal or onProgress is refused with a TypeError naming the option and the value type', async () => {
    const { w, done, finish, requested } = await withBystander();
    const errors = [
      await w.waitForCompletion('good-id', { signal: 'stop' as unknown as AbortSignal }).then(
        () => undefined,
        (e: unknown) => e,
      ),
      await w.waitForCompletion('good-id', { signal: { aborted: false } as unknown as AbortSignal }).then(
        () => undefined,
        (e: unknown) => e,
      ),
      thrown(() => w.updates('good-id', { signal: 42 as unknown as AbortSignal })),
      await w.waitForCompletion('good-id', { onProgress: 'log' as unknown as () => void }).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ];
    const names = ['signal', 'signal', 'signal', 'onProgress'];
    for (const [i, err] of errors.entries()) {
      expect(err).toBeInstanceOf(TypeError);
      expect((err as Error).message).toMatch(new RegExp(`\`${names[i] ?? ''}\``));
      expect((err as Error).message).toMatch(NAMES_TYPE);
    }
    expect(w.isWatching('good-id')).toBe(false);
    await finish();
    await expect(done).resolves.toMatchObject({ status: 'SUCCESS' });
    expect(requested()).toEqual(['bystander']);
  });

  it('an options argument that is not an object is refused with a TypeError naming it, at every entry point', async () => {
    const { w, done, finish, requested } = await withBystander();
    for (const options of [null, 5, 'fast']) {
      const errors = [
        thrown(() => w.watch('good-id', options as never)),
        await w.waitForCompletion('good-id', options as never).then(
          () => undefined,
          (e: unknown) => e,
        ),
        thrown(() => w.updates('good-id', options as never)),
      ];
      for (const err of errors) {
        expect(err).toBeInstanceOf(TypeError);
        expect((err as Error).message).toMatch(/`options`/);
        expect((err as Error).message).toMatch(NAMES_TYPE);
      }
    }
    expect(w.isWatching('good-id')).toBe(false);
    await finish();
    await expect(done).resolves.toMatchObject({ status: 'SUCCESS' });
    expect(requested()).toEqual(['bystander']);
  });
});
