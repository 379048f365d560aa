import { afterEach, describe, expect, it } from 'vitest';
import { isKieWatcherError, TaskWatcher, type RateLimitedEvent, type TaskWatcherOptions, type WatchResult } from '../../src/index.js';
import { instrumentKieWatcher, METRIC_ATTRIBUTES as A, METRICS, type KieWatcherMetricsOptions } from '../../src/metrics/index.js';
import { startSimulator, type KieSimulator, type SimulatedTaskSpec } from '../../src/simulator/index.js';
import { failOnProcessErrors, until } from '../reliability/helpers.js';
import { histograms, NOBODY, subscribed, testMeter, total, type TestMeter } from './helpers.js';

// The adapter on real watchers polling the simulator over loopback (real sockets, real time kept short).

const KEY = 'metrics-canary-key-7f3a91';
failOnProcessErrors();

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: KEY, seed: 3, ...options });
  open.push(s);
  return s;
}

function watcher(s: KieSimulator, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
  const w = new TaskWatcher({ apiKey: KEY, baseUrl: s.url, policy: 'fastest', retry: { baseDelayMs: 50, maxDelayMs: 400 }, ...extra });
  open.push(w);
  return w;
}

function instrument(options: Omit<KieWatcherMetricsOptions, 'meter'> = {}): TestMeter {
  const m = testMeter();
  const adapter = instrumentKieWatcher({ ...options, meter: m.provider.getMeter('test') });
  open.push({ close: () => m.shutdown() }, adapter);
  return m;
}

/** 'SUCCESS', or the error code a wait ended with. */
const outcomeOf = (wait: Promise<unknown>): Promise<string> => wait.then(
  () => 'SUCCESS',
  (e: unknown) => (isKieWatcherError(e) ? e.code : String(e)),
);

const ALLOWED_ATTRIBUTES = new Set<string>(Object.values(A));

describe('metrics of a real watcher against the simulator', () => {
  it('count its requests, answers by kind, latencies, outcomes and 429s, with no task id or key in any attribute', async () => {
    const s = await sim();
    const specs: SimulatedTaskSpec[] = [
      { taskId: 'metrics-task-ok-1', durationMs: 300, outcome: 'SUCCESS' },
      { taskId: 'metrics-task-ok-2', durationMs: 500, outcome: 'SUCCESS' },
      { taskId: 'metrics-task-ok-market', durationMs: 300, outcome: 'SUCCESS', family: 'market' },
      { taskId: 'metrics-task-failed', durationMs: 300, outcome: 'GENERATE_FAILED' },
      { taskId: 'metrics-task-refused', durationMs: 200, outcome: 'CREATE_TASK_FAILED' },
      { taskId: 'metrics-task-never', durationMs: 100, outcome: 'NEVER' },
      { taskId: 'metrics-task-aborted', durationMs: 60_000, outcome: 'SUCCESS' },
    ];
    const ids = s.addTasks(specs);
    const w = watcher(s);
    const m = instrument({ watcher: w });
    // Every first request is answered 429 (HTTP 200, body code 429); the first rate-limited event ends that.
    s.setFaults({ body429: 1 });
    const limited: RateLimitedEvent[] = [];
    w.on('rateLimited', (e) => {
      limited.push(e);
      s.setFaults({});
    });
    const abort = new AbortController();
    const waits = specs.map((spec) =>
      outcomeOf(
        w.waitForCompletion(spec.taskId ?? '', {
          family: spec.family ?? 'gpt4o-image',
          timeoutMs: spec.outcome === 'NEVER' ? 1_500 : 15_000,
          ...(spec.taskId === 'metrics-task-aborted' ? { signal: abort.signal } : {}),
        }),
      ),
    );
    expect(await until(() => limited.length > 0)).toBe(true);
    abort.abort();
    expect(await Promise.all(waits)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'KIE_TASK_FAILED', 'KIE_TASK_FAILED', 'KIE_WATCH_TIMEOUT', 'KIE_ABORTED']);
    // Closing waits for the requests still in flight, so that every request has its answer recorded.
    await w.close();
    const stats = w.stats();
    const points = await m.collect();

    expect(total(points, METRICS.requests)).toBe(stats.requests);
    expect(total(points, METRICS.requests, { [A.family]: 'market' })).toBeGreaterThanOrEqual(1);
    expect(total(points, METRICS.answers)).toBe(stats.requests);
    expect(total(points, METRICS.answers, { [A.answerKind]: 'success' })).toBe(3);
    expect(total(points, METRICS.answers, { [A.answerKind]: 'failure' })).toBe(2);
    expect(total(points, METRICS.answers, { [A.answerKind]: 'rate-limited' })).toBe(limited.filter((e) => e.scope === 'task').length);
    expect(total(points, METRICS.answers, { [A.answerKind]: 'pending' })).toBeGreaterThanOrEqual(3);
    expect(s.stats().requests).toBeGreaterThanOrEqual(total(points, METRICS.answers) - total(points, METRICS.answers, { [A.answerKind]: 'transport' }));

    const latencies = histograms(points, METRICS.pollDuration);
    expect(latencies.reduce((n, h) => n + h.count, 0)).toBe(stats.requests);
    for (const h of latencies) {
      expect(h.min).toBeGreaterThanOrEqual(0);
      // Seconds, not milliseconds: loopback answers without injected slowness take well under 5 s.
      expect(h.max).toBeLessThan(5);
    }

    const settled = (outcome: string, where: Record<string, string> = {}): number => total(points, METRICS.settled, { [A.outcome]: outcome, ...where });
    expect(settled('completed', { [A.family]: 'gpt4o-image' })).toBe(2);
    expect(settled('completed', { [A.family]: 'market' })).toBe(1);
    expect(settled('failed', { [A.errorType]: 'KIE_TASK_FAILED' })).toBe(2);
    expect(settled('timeout', { [A.errorType]: 'KIE_WATCH_TIMEOUT' })).toBe(1);
    expect(settled('aborted', { [A.errorType]: 'KIE_ABORTED' })).toBe(1);
    expect(total(points, METRICS.settled)).toBe(7);

    expect(limited.length).toBeGreaterThan(0);
    for (const scope of ['task', 'account'] as const) {
      for (const source of ['http', 'body'] as const) {
        const events = limited.filter((e) => e.scope === scope && e.source === source).length;
        expect(total(points, METRICS.rateLimited, { [A.rateLimitScope]: scope, [A.rateLimitSource]: source }), `${scope}/${source}`).toBe(events);
      }
    }
    expect(total(points, METRICS.rateLimited, { [A.rateLimitSource]: 'body' })).toBeGreaterThan(0);

    expect(total(points, METRICS.pending)).toBe(0);
    expect(total(points, METRICS.inFlight)).toBe(0);

    for (const point of points) {
      for (const [key, value] of Object.entries(point.attributes)) {
        expect(ALLOWED_ATTRIBUTES, `${point.name} has attribute ${key}`).toContain(key);
        for (const secret of [...ids, KEY]) expect(String(value), `${point.name} ${key}`).not.toContain(secret);
      }
    }
    expect(JSON.stringify(points)).not.toMatch(/metrics-task|metrics-canary/);
  });

  it('count every watcher in the process, and tell named watchers apart in the gauges', async () => {
    const s = await sim({ faults: { slow: 1, slowMs: 400 } });
    const [a1 = '', a2 = '', b1 = ''] = s.addTasks([
      { durationMs: 0, outcome: 'SUCCESS' },
      { durationMs: 0, outcome: 'SUCCESS' },
      { durationMs: 0, outcome: 'GENERATE_FAILED' },
    ]);
    const images = watcher(s);
    const videos = watcher(s);
    const m = instrument({ watchers: { images, videos } });
    const waits: Promise<WatchResult | unknown>[] = [images.waitForCompletion(a1), images.waitForCompletion(a2), videos.waitForCompletion(b1).catch((e: unknown) => e)];
    // Every answer is held back 400 ms: the requests are in flight now.
    expect(await until(() => images.stats().inFlight === 2 && videos.stats().inFlight === 1)).toBe(true);
    let points = await m.collect();
    expect(total(points, METRICS.pending, { [A.watcher]: 'images' })).toBe(2);
    expect(total(points, METRICS.inFlight, { [A.watcher]: 'images' })).toBe(2);
    expect(total(points, METRICS.pending, { [A.watcher]: 'videos' })).toBe(1);
    expect(total(points, METRICS.inFlight, { [A.watcher]: 'videos' })).toBe(1);
    await Promise.all(waits);
    points = await m.collect();
    expect(total(points, METRICS.requests)).toBe(images.stats().requests + videos.stats().requests);
    expect(total(points, METRICS.settled, { [A.outcome]: 'completed' })).toBe(2);
    expect(total(points, METRICS.settled, { [A.outcome]: 'failed' })).toBe(1);
    expect(total(points, METRICS.pending)).toBe(0);
    // The counters carry no watcher attribute: the channels do not say which watcher published.
    expect(points.filter((p) => p.name === METRICS.requests).map((p) => p.attributes)).toEqual([{ [A.family]: 'gpt4o-image' }]);
  });

  it('without the adapter nothing subscribes, so a watcher at work builds no message', async () => {
    const s = await sim();
    const [id = ''] = s.addTasks([{ durationMs: 800, outcome: 'SUCCESS' }]);
    expect(subscribed()).toEqual(NOBODY);
    const w = watcher(s);
    const done = w.waitForCompletion(id);
    expect(await until(() => w.stats().requests >= 2)).toBe(true);
    expect(subscribed()).toEqual(NOBODY);
    await done;
    expect(subscribed()).toEqual(NOBODY);
  });

  it('after close() the adapter records nothing a watcher does and leaves no subscriber', async () => {
    const s = await sim();
    const [first = '', second = ''] = s.addTasks([
      { durationMs: 0, outcome: 'SUCCESS' },
      { durationMs: 0, outcome: 'SUCCESS' },
    ]);
    const w = watcher(s);
    const m = testMeter();
    open.push({ close: () => m.shutdown() });
    const adapter = instrumentKieWatcher({ meter: m.provider.getMeter('test'), watcher: w });
    await w.waitForCompletion(first);
    const before = await m.collect();
    adapter.close();
    expect(subscribed()).toEqual(NOBODY);
    await w.waitForCompletion(second);
    const after = await m.collect();
    for (const name of [METRICS.requests, METRICS.answers, METRICS.settled]) expect(total(after, name), name).toBe(total(before, name));
    expect(total(before, METRICS.settled)).toBe(1);
    expect(after.filter((p) => p.name === METRICS.pending)).toEqual(before.filter((p) => p.name === METRICS.pending));
  });
});
