import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher } from '../../src/index.js';
import { EPOCH, testClock, type TestClock } from '../helpers/fake-clock.js';
import { mockApi, ok, record, type MockApi } from '../helpers/mock-api.js';

// Callbacks that pay from the first task (issue 18): a watcher that expects callbacks starts from the belief that
// they arrive, and learns fast, and plans again, when they do not. Everything on an injected clock.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

interface Task {
  readonly id: string;
  readonly startAt: number;
  readonly durationMs: number;
  settledAt?: number;
  poked?: boolean;
}

/** Durations like the benchmark workload's (a mean near 80 s, a long tail), cycled. */
const DURATIONS_S = [25, 40, 55, 70, 80, 95, 110, 130, 160, 200, 12, 65, 85, 300, 45];

/** Tasks that report rising progress until their end, then success; each started `gapMs` after the last. */
function workload(count: number, gapMs: number): Task[] {
  return Array.from({ length: count }, (_, i) => ({ id: `t${i}`, startAt: i * gapMs, durationMs: (DURATIONS_S[i % DURATIONS_S.length] ?? 60) * 1000 }));
}

async function run(tasks: Task[], options: { expectCallbacks: boolean; callbacks: boolean; callbackDelayMs?: number }): Promise<{ api: MockApi; clock: TestClock }> {
  const clock = testClock();
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const api = mockApi((id) => {
    const t = byId.get(id);
    if (t === undefined) throw new Error(`unknown ${id}`);
    const age = clock.now() - t.startAt;
    if (age >= t.durationMs) return ok(record(id, { createTime: EPOCH + t.startAt, status: 'SUCCESS', successFlag: 1, progress: '1.00', response: { resultUrls: [`https://cdn.test/${id}.png`] } }));
    return ok(record(id, { createTime: EPOCH + t.startAt, progress: (Math.floor((age / t.durationMs) * 20) / 20).toFixed(2) }));
  }, clock.now);
  const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: 'https://api.kie.test', dispatcher: api.agent, clock, expectCallbacks: options.expectCallbacks, timeoutMs: 3_600_000 });
  cleanup.push(async () => {
    await watcher.close();
    await api.close();
  });
  const delay = options.callbackDelayMs ?? 300;
  const end = Math.max(...tasks.map((t) => t.startAt + t.durationMs)) + 130_000;
  let next = 0;
  for (let now = 0; now <= end && tasks.some((t) => t.settledAt === undefined); now += 250) {
    while (next < tasks.length && (tasks[next]?.startAt ?? Infinity) <= clock.now()) {
      const t = tasks[next++] as Task;
      void watcher.waitForCompletion(t.id).then(() => (t.settledAt = clock.now()));
    }
    if (options.callbacks) {
      for (const t of tasks) {
        if (t.poked !== true && clock.now() >= t.startAt + t.durationMs + delay && t.settledAt === undefined && next > tasks.indexOf(t)) {
          t.poked = true;
          watcher.poke(t.id);
        }
      }
    }
    await clock.advance(250, 250);
  }
  return { api, clock };
}

const perTask = (api: MockApi, tasks: readonly Task[]): number => api.requests.length / tasks.length;

function p95Delay(tasks: readonly Task[]): number {
  const delays = tasks.map((t) => (t.settledAt ?? Infinity) - (t.startAt + t.durationMs)).sort((a, b) => a - b);
  return delays[Math.ceil(delays.length * 0.95) - 1] ?? Infinity;
}

describe('with expectCallbacks, the belief that callbacks arrive', () => {
  it('the first 10 tasks of a fresh watcher cost at most 3.5 requests each when every callback arrives', async ({ annotate }) => {
    const tasks = workload(10, 3_000);
    const { api } = await run(tasks, { expectCallbacks: true, callbacks: true });
    expect(tasks.every((t) => t.settledAt !== undefined)).toBe(true);
    await annotate(`10 tasks, all called back: ${perTask(api, tasks).toFixed(2)} requests per task`);
    expect(perTask(api, tasks)).toBeLessThanOrEqual(3.5);
    // And each was seen within a second of its callback.
    for (const t of tasks) expect((t.settledAt ?? Infinity) - (t.startAt + t.durationMs)).toBeLessThan(1_300);
  });

  it('every callback lost: the p95 detection delay stays within 10% of a watcher that expects none (the first misses plan the waiting polls again)', async ({ annotate }) => {
    const lost = workload(150, 3_000);
    const plain = workload(150, 3_000);
    const a = await run(lost, { expectCallbacks: true, callbacks: false });
    const b = await run(plain, { expectCallbacks: false, callbacks: false });
    const ratio = p95Delay(lost) / p95Delay(plain);
    await annotate(
      `all lost: p95 ${p95Delay(lost)} ms at ${perTask(a.api, lost).toFixed(1)} req/task; expecting none: p95 ${p95Delay(plain)} ms at ${perTask(b.api, plain).toFixed(1)} req/task (ratio ${ratio.toFixed(2)})`,
    );
    expect(ratio).toBeLessThanOrEqual(1.1);
  }, 60_000);
});
