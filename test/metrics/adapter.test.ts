import { channel } from 'node:diagnostics_channel';
import { diag, DiagLogLevel, metrics, type DiagLogger, type Meter } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/diagnostics.js';
import { instrumentKieWatcher, METRIC_ATTRIBUTES as A, METRICS, POLL_DURATION_BUCKETS, type KieWatcherInstrumentation } from '../../src/metrics/index.js';
import { histograms, NOBODY, subscribed, testMeter, total, type TestMeter } from './helpers.js';

// The adapter alone, fed by publishing on the channels by hand: exact values, no network.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function setup(options: Parameters<typeof instrumentKieWatcher>[0] = {}): { m: TestMeter; adapter: KieWatcherInstrumentation } {
  const m = testMeter();
  const adapter = instrumentKieWatcher({ meter: m.provider.getMeter('test'), ...options });
  cleanup.push(() => m.shutdown(), () => adapter.close());
  return { m, adapter };
}

const publish = (name: string, message: unknown): void => channel(name).publish(message);

describe('instrumentKieWatcher', () => {
  it('records each channel message in its instrument, with the family, kind, outcome, scope and source as attributes', async () => {
    const { m } = setup();
    publish(CHANNELS.pollStart, { family: 'veo', taskId: 't1' });
    publish(CHANNELS.pollStart, { family: 'veo', taskId: 't2' });
    publish(CHANNELS.pollAnswer, { family: 'veo', taskId: 't1', kind: 'pending', latencyMs: 1234 });
    publish(CHANNELS.pollAnswer, { family: 'veo', taskId: 't2', kind: 'transport', latencyMs: 0.4 });
    publish(CHANNELS.taskSettled, { family: 'veo', taskId: 't1', outcome: 'completed', errorCode: null });
    publish(CHANNELS.taskSettled, { family: 'veo', taskId: 't2', outcome: 'timeout', errorCode: 'KIE_WATCH_TIMEOUT' });
    publish(CHANNELS.rateLimited, { family: 'veo', taskId: 't1', scope: 'account', delayMs: 5000, source: 'http' });
    const points = await m.collect();

    expect(total(points, METRICS.requests, { [A.family]: 'veo' })).toBe(2);
    expect(total(points, METRICS.answers, { [A.family]: 'veo', [A.answerKind]: 'pending' })).toBe(1);
    expect(total(points, METRICS.answers, { [A.answerKind]: 'transport' })).toBe(1);
    const [slow] = histograms(points, METRICS.pollDuration, { [A.answerKind]: 'pending' });
    // Seconds, in the advised buckets: 1.234 s falls in (1, 2.5].
    expect(slow?.sum).toBeCloseTo(1.234, 9);
    expect(slow?.buckets.boundaries).toEqual(POLL_DURATION_BUCKETS);
    expect(slow?.buckets.counts[POLL_DURATION_BUCKETS.indexOf(2.5)]).toBe(1);
    const [fast] = histograms(points, METRICS.pollDuration, { [A.answerKind]: 'transport' });
    expect(fast?.buckets.counts[0]).toBe(1);
    expect(total(points, METRICS.settled, { [A.outcome]: 'completed' })).toBe(1);
    expect(total(points, METRICS.settled, { [A.outcome]: 'timeout', [A.errorType]: 'KIE_WATCH_TIMEOUT' })).toBe(1);
    expect(total(points, METRICS.rateLimited, { [A.rateLimitScope]: 'account', [A.rateLimitSource]: 'http' })).toBe(1);

    // Exactly these attribute sets: no taskId, and no error.type on a completed watch.
    expect(points.find((p) => p.name === METRICS.settled && p.attributes[A.outcome] === 'completed')?.attributes).toEqual({ [A.family]: 'veo', [A.outcome]: 'completed' });
    expect(JSON.stringify(points.map((p) => p.attributes))).not.toMatch(/t1|t2|taskId/);
  });

  it('names its instruments in the kie_watcher namespace with units in `unit`', async () => {
    const { m } = setup({ watcher: { stats: () => ({ pending: 0, inFlight: 0 }) } });
    publish(CHANNELS.pollStart, { family: 'veo', taskId: 't' });
    publish(CHANNELS.pollAnswer, { family: 'veo', taskId: 't', kind: 'success', latencyMs: 3 });
    publish(CHANNELS.taskSettled, { family: 'veo', taskId: 't', outcome: 'completed', errorCode: null });
    publish(CHANNELS.rateLimited, { family: 'veo', taskId: 't', scope: 'task', delayMs: 400, source: 'body' });
    const units = Object.fromEntries((await m.collect()).map((p) => [p.name, p.unit]));
    expect(units).toEqual({
      [METRICS.requests]: '{request}',
      [METRICS.pollDuration]: 's',
      [METRICS.answers]: '{answer}',
      [METRICS.settled]: '{task}',
      [METRICS.rateLimited]: '{event}',
      [METRICS.pending]: '{task}',
      [METRICS.inFlight]: '{request}',
    });
  });

  it('skips a message that does not have the documented shape instead of throwing into the publisher', async () => {
    const { m } = setup();
    for (const bad of [null, 'x', 42, {}, { taskId: 't' }, { family: 3 }]) {
      for (const name of Object.values(CHANNELS)) expect(() => publish(name, bad)).not.toThrow();
    }
    publish(CHANNELS.pollAnswer, { family: 'veo', taskId: 't', kind: 'success', latencyMs: -1 });
    publish(CHANNELS.pollAnswer, { family: 'veo', taskId: 't', kind: 'success', latencyMs: Number.NaN });
    publish(CHANNELS.rateLimited, { family: 'veo', taskId: 't', scope: 'task', delayMs: 1 });
    expect(await m.collect()).toEqual([]);
  });

  it('observes pending and in-flight from the watcher at each collection', async () => {
    let stats = { pending: 5, inFlight: 2, requests: 99 };
    const { m } = setup({ watcher: { stats: () => stats } });
    let points = await m.collect();
    expect(total(points, METRICS.pending)).toBe(5);
    expect(total(points, METRICS.inFlight)).toBe(2);
    expect(points.find((p) => p.name === METRICS.pending)?.attributes).toEqual({});
    stats = { pending: 1, inFlight: 0, requests: 100 };
    points = await m.collect();
    expect(total(points, METRICS.pending)).toBe(1);
    expect(total(points, METRICS.inFlight)).toBe(0);
  });

  it('gives each named watcher its own series, and still reports the others when one throws', async () => {
    const errors = captureDiag();
    const { m } = setup({
      watchers: {
        images: { stats: () => ({ pending: 3, inFlight: 1 }) },
        broken: {
          stats: () => {
            throw new Error('stats failed');
          },
        },
        videos: { stats: () => ({ pending: 7, inFlight: 2 }) },
      },
    });
    const points = await m.collect();
    expect(total(points, METRICS.pending, { [A.watcher]: 'images' })).toBe(3);
    expect(total(points, METRICS.pending, { [A.watcher]: 'videos' })).toBe(7);
    expect(total(points, METRICS.inFlight, { [A.watcher]: 'videos' })).toBe(2);
    expect(points.filter((p) => p.attributes[A.watcher] === 'broken')).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('refuses `watcher` together with `watchers`, subscribing to nothing', () => {
    const source = { stats: () => ({ pending: 0, inFlight: 0 }) };
    expect(() => instrumentKieWatcher({ meter: testMeter().provider.getMeter('x'), watcher: source, watchers: { a: source } })).toThrow(TypeError);
    expect(subscribed()).toEqual(NOBODY);
  });

  it('creates no gauges without a watcher', async () => {
    const { m } = setup();
    expect(await m.collect()).toEqual([]);
  });

  it('close() unsubscribes from every channel, stops observing the watcher and records nothing more', async () => {
    expect(subscribed()).toEqual(NOBODY);
    let pending = 4;
    const { m, adapter } = setup({ watcher: { stats: () => ({ pending, inFlight: 0 }) } });
    expect(Object.values(subscribed())).toEqual([true, true, true, true]);
    publish(CHANNELS.pollStart, { family: 'veo', taskId: 't' });
    adapter.close();
    adapter.close();
    expect(subscribed()).toEqual(NOBODY);
    publish(CHANNELS.pollStart, { family: 'veo', taskId: 't' });
    publish(CHANNELS.taskSettled, { family: 'veo', taskId: 't', outcome: 'completed', errorCode: null });
    pending = 9;
    const points = await m.collect();
    expect(total(points, METRICS.requests)).toBe(1);
    expect(total(points, METRICS.settled)).toBe(0);
    expect(points.filter((p) => p.name === METRICS.pending && p.value === 9)).toEqual([]);
  });

  it('uses the global meter provider by default', async () => {
    const m = testMeter();
    metrics.setGlobalMeterProvider(m.provider);
    cleanup.push(() => m.shutdown(), () => metrics.disable());
    const adapter = instrumentKieWatcher();
    cleanup.push(() => adapter.close());
    publish(CHANNELS.pollStart, { family: 'veo', taskId: 't' });
    expect(total(await m.collect(), METRICS.requests)).toBe(1);
  });

  it('a meter that throws costs the metrics only: the publisher goes on and the failure is reported once', async () => {
    const errors = captureDiag();
    const broken = (): never => {
      throw new Error('exporter exploded');
    };
    const real = testMeter().provider.getMeter('real');
    const meter = new Proxy(real, {
      get: (target, key: keyof Meter) =>
        key === 'createCounter' || key === 'createHistogram' ? () => ({ add: broken, record: broken }) : (target[key] as (...a: unknown[]) => unknown).bind(target),
    });
    const adapter = instrumentKieWatcher({ meter });
    cleanup.push(() => adapter.close());
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    cleanup.push(() => process.off('uncaughtException', onUncaught));
    for (let i = 0; i < 3; i++) expect(() => publish(CHANNELS.pollStart, { family: 'veo', taskId: 't' })).not.toThrow();
    publish(CHANNELS.pollAnswer, { family: 'veo', taskId: 't', kind: 'success', latencyMs: 1 });
    await new Promise((r) => setImmediate(r));
    expect(uncaught).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('recording failed');
  });
});

/** Collects what the adapter reports through OpenTelemetry's diagnostic logger during this test. */
function captureDiag(): unknown[][] {
  const errors: unknown[][] = [];
  const noop = (): void => undefined;
  const logger: DiagLogger = { error: (...args) => void errors.push(args), warn: noop, info: noop, debug: noop, verbose: noop };
  diag.setLogger(logger, DiagLogLevel.ERROR);
  cleanup.push(() => diag.disable());
  return errors;
}
