/**
 * Fault matrix, end to end against the real simulator (real sockets, real time kept short): one test per
 * fault class, each with many tasks. Every test asserts that each task ends with its scripted outcome,
 * that the simulator counted 0 rate violations, that retries stay bounded, and that nothing escaped as
 * an unhandled rejection or an uncaught exception.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { KieApiError, TaskWatcher, type RetryEvent, type TaskWatcherOptions } from '../../src/index.js';
import { startSimulator, type KieSimulator, type SimulatedTaskSpec, type SimulatorFaults } from '../../src/simulator/index.js';
import { Bag, outcomeOf, failOnProcessErrors, recordEvents, sleep } from './helpers.js';

const KEY = 'reliability-sim-key-5d1e';
failOnProcessErrors();

class SimBag extends Bag {
  async sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<KieSimulator> {
    return this.add(await startSimulator({ apiKey: KEY, seed: 11, ...options }));
  }
  watcher(url: string, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
    return this.add(new TaskWatcher({ apiKey: KEY, baseUrl: url, policy: 'fastest', retry: { baseDelayMs: 50, maxDelayMs: 400 }, ...extra }));
  }
}

const OUTCOMES: SimulatedTaskSpec['outcome'][] = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];
function specs(n: number, prefix: string, minMs = 300, spreadMs = 1_000): SimulatedTaskSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    taskId: `${prefix}-${i}`,
    durationMs: minMs + ((i * 173) % spreadMs),
    outcome: OUTCOMES[i % OUTCOMES.length] ?? 'SUCCESS',
    variant: i % 2 ? 'quickstart' : 'openapi',
  }));
}
const expected = (s: SimulatedTaskSpec): string => (s.outcome === 'MODERATED' ? 'GENERATE_FAILED' : s.outcome === 'NEVER' ? 'KIE_WATCH_TIMEOUT' : s.outcome);

interface Run {
  got: string[];
  want: string[];
  s: KieSimulator;
  w: TaskWatcher;
  events: ReturnType<typeof recordEvents>;
}

/** Adds `n` tasks, watches them all through `faults`, and returns what happened. */
async function run(bag: SimBag, faults: SimulatorFaults, n: number, prefix: string, extra: Partial<TaskWatcherOptions> = {}, during?: (s: KieSimulator) => Promise<void>): Promise<Run> {
  const s = await bag.sim({ faults });
  const list = specs(n, prefix);
  const ids = s.addTasks(list);
  const w = bag.watcher(s.url, extra);
  const events = recordEvents(w);
  const waits = ids.map((id) => outcomeOf(w.waitForCompletion(id, { timeoutMs: 25_000 })));
  if (during) await during(s);
  const got = await Promise.all(waits);
  return { got, want: list.map(expected), s, w, events };
}

/** The common assertions: scripted outcomes, 0 violations, retries no more than the faults injected. */
function assertClean(r: Run): void {
  expect(r.got).toEqual(r.want);
  const st = r.s.stats();
  expect(st.violations).toBe(0);
  expect(st.maxRequestsInWindow).toBeLessThanOrEqual(3);
  // Every request the watcher counted reached the simulator, and every retry answers a fault.
  expect(r.w.stats().requests).toBe(st.requests);
  expect(r.w.stats().retries).toBeLessThanOrEqual(st.faultsInjected);
  expect(r.w.stats()).toMatchObject({ pending: 0, inFlight: 0 });
}

function retriesPerTask(events: Run['events']): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) if (e.name === 'retry') m.set((e.payload as RetryEvent).taskId, (m.get((e.payload as RetryEvent).taskId) ?? 0) + 1);
  return m;
}

describe.concurrent('fault matrix against the simulator', () => {
  it('HTTP 502/503/504 with HTML bodies: retried with backoff, every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { http5xx: 0.3 }, 30, 'h5xx');
    assertClean(r);
    expect(r.s.stats().faultsInjected).toBeGreaterThan(10);
    const reasons = new Set(r.events.filter((e) => e.name === 'retry').map((e) => (e.payload as RetryEvent).reason));
    expect([...reasons].every((x) => /^HTTP 50[234]$/.test(x))).toBe(true);
  });

  it('body code 500: retried, every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { body500: 0.3 }, 30, 'b500');
    assertClean(r);
    expect(r.w.stats().retries).toBeGreaterThan(10);
  });

  it('body code 408 (upstream gave no result): retried, every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { body408: 0.3 }, 30, 'b408');
    assertClean(r);
    expect(r.w.stats().retries).toBeGreaterThan(10);
  });

  it('body code 455 maintenance window (20 s scaled to 2 s, backoff scaled alike): tasks ride it out with a bounded number of retries', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { body455: 1 }, 30, 'b455', { retry: { baseDelayMs: 100, maxDelayMs: 3_000 } }, async (s) => {
      await sleep(2_000);
      s.setFaults({});
    });
    assertClean(r);
    const per = retriesPerTask(r.events);
    expect(per.size).toBe(30);
    // Exponential backoff: a 2 s window costs each task a handful of retries, not 2 s / 374 ms of them.
    for (const [, n] of per) expect(n).toBeLessThanOrEqual(7);
    expect(r.w.stats().failed).toBe(r.want.filter((x) => x !== 'SUCCESS').length);
  });

  it('an account-wide body-429 storm: the whole account pauses, then every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { body429: 1 }, 30, 'b429', { retry: { baseDelayMs: 50, maxDelayMs: 2_000 } }, async (s) => {
      await sleep(1_500);
      s.setFaults({});
    });
    expect(r.got).toEqual(r.want);
    expect(r.s.stats().violations).toBe(0);
    const limited = r.events.filter((e) => e.name === 'rateLimited').map((e) => e.payload as { scope: string });
    expect(limited.some((e) => e.scope === 'account')).toBe(true);
    // The storm is met with an account-wide pause, not hammered: unpaused, 30 tasks at 2.7/s for 1.5 s
    // would be ~120 refused requests; paused, a few rounds of 30.
    expect(r.w.stats().rateLimited).toBeLessThanOrEqual(90);
    expect(r.w.stats().rateLimited).toBeLessThanOrEqual(r.s.stats().faultsInjected);
  });

  it('an account-wide HTTP 429 storm (HTML, sometimes Retry-After: 1): paused and resumed, every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { http429: 1 }, 30, 'h429', { retry: { baseDelayMs: 50, maxDelayMs: 2_000 } }, async (s) => {
      await sleep(1_500);
      s.setFaults({});
    });
    expect(r.got).toEqual(r.want);
    expect(r.s.stats().violations).toBe(0);
    const pauses = r.events.filter((e) => e.name === 'rateLimited' && (e.payload as { scope: string }).scope === 'account');
    expect(pauses.length).toBeGreaterThan(0);
    // Retry-After: 1 is honoured (1000 ms) when sent; otherwise the backoff applies, capped at maxDelayMs.
    for (const p of pauses) expect((p.payload as { delayMs: number }).delayMs).toBeLessThanOrEqual(2_000);
    expect(pauses.some((p) => (p.payload as { delayMs: number }).delayMs === 1_000)).toBe(true);
    expect(r.w.stats().rateLimited).toBeLessThanOrEqual(90);
  });

  it('connections reset mid-body: retried as transport errors, every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { reset: 0.3 }, 30, 'reset');
    assertClean(r);
    expect(r.w.stats().retries).toBeGreaterThan(10);
  });

  it('answers slower than the request timeout: the request is abandoned and retried, every task ends as scripted', async (ctx: TestContext) => {
    const started = Date.now();
    const r = await run(new SimBag(ctx.onTestFinished), { slow: 0.15, slowMs: 1_500 }, 30, 'slow', { requestTimeoutMs: 300 });
    assertClean(r);
    expect(r.w.stats().retries).toBeGreaterThan(3);
    const reasons = new Set(r.events.filter((e) => e.name === 'retry').map((e) => (e.payload as RetryEvent).reason));
    expect([...reasons]).toEqual(expect.arrayContaining([expect.stringMatching(/TIMEOUT/i)]));
    // Never waited out a 1.5 s answer per fault.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('malformed (truncated) JSON: retried as an invalid answer, every task ends as scripted', async (ctx: TestContext) => {
    const r = await run(new SimBag(ctx.onTestFinished), { malformedJson: 0.15 }, 30, 'malformed', { retry: { baseDelayMs: 50, maxDelayMs: 400, maxInvalidResponses: 8 } });
    assertClean(r);
    expect(r.w.stats().retries).toBeGreaterThan(3);
  });

  it('a task that appears 1 s after watching starts succeeds; one that never appears is a KieApiError 422 after the grace period', async (ctx: TestContext) => {
    const bag = new SimBag(ctx.onTestFinished);
    const s = await bag.sim();
    const late = s.addTasks(Array.from({ length: 20 }, (_, i) => ({ taskId: `late-${i}`, durationMs: 1_500, outcome: 'SUCCESS' as const, invisibleForMs: 1_000 })));
    const w = bag.watcher(s.url, { unknownTaskGraceMs: 2_500 });
    const ghosts = Array.from({ length: 10 }, (_, i) => `ghost-${i}`);
    const started = performance.now();
    const lateOut = Promise.all(late.map((id) => outcomeOf(w.waitForCompletion(id))));
    const ghostErr = Promise.all(ghosts.map((id) => w.waitForCompletion(id).catch((e: unknown) => e)));
    expect(await lateOut).toEqual(late.map(() => 'SUCCESS'));
    const errs = await ghostErr;
    const elapsed = performance.now() - started;
    for (const [i, e] of errs.entries()) {
      expect(e).toBeInstanceOf(KieApiError);
      expect(e).toMatchObject({ providerCode: 422, providerMessage: 'record is null', taskId: ghosts[i] });
    }
    expect(elapsed).toBeGreaterThanOrEqual(2_400);
    expect(elapsed).toBeLessThan(6_000);
    expect(s.stats().violations).toBe(0);
    // Unknown ids are polled no faster than the per-task limit allows during the 2.5 s grace period.
    expect(s.stats().unknownTask).toBeLessThanOrEqual(ghosts.length * Math.ceil(2_500 / w.minIntervalMs + 2));
  });

  it('the simulator restarted on the same port mid-run: refused connections are retried, every task ends as scripted', async (ctx: TestContext) => {
    const bag = new SimBag(ctx.onTestFinished);
    const list = specs(30, 'restart', 1_200, 1_000);
    const first = bag.add(await startSimulator({ apiKey: KEY, seed: 3 }));
    const port = Number(new URL(first.url).port);
    first.addTasks(list);
    const w = bag.watcher(first.url);
    const events = recordEvents(w);
    const waits = first.allTaskStats().map((t) => outcomeOf(w.waitForCompletion(t.taskId, { timeoutMs: 20_000 })));
    await sleep(700);
    const before = first.stats();
    await first.close();
    await sleep(600);
    const second = bag.add(await startSimulator({ apiKey: KEY, seed: 3, port }));
    second.addTasks(list);
    const got = await Promise.all(waits);
    expect(got).toEqual(list.map(expected));
    expect(before.violations).toBe(0);
    expect(second.stats().violations).toBe(0);
    expect(second.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
    const reasons = events.filter((e) => e.name === 'retry').map((e) => (e.payload as RetryEvent).reason);
    expect(reasons).toContain('ECONNREFUSED');
    // 600 ms of downtime with 50..400 ms backoff: a few retries per task, nowhere near maxConsecutiveErrors.
    expect(w.stats().retries).toBeLessThanOrEqual(30 * 8);
  });
});
