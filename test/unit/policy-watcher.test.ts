import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, type PollingPolicy } from '../../src/index.js';
import { censoredObservation, endObservation } from '../../src/engine/progress.js';
import { newTaskEntry } from '../../src/engine/task.js';
import { gpt4oImage } from '../../src/families/gpt4o-image.js';
import { testClock, EPOCH, type TestClock } from '../helpers/fake-clock.js';
import { BASE, mockApi, ok, record, type MockApi } from '../helpers/mock-api.js';

// The learning policy in a watcher: it sees each task's end through the engine and polls the next tasks where
// those ended.

const END_AGE_MS = 20_000;

describe('a watcher with a learning policy (fake clock)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  function setup(policy: PollingPolicy): { clock: TestClock; api: MockApi; watcher: TaskWatcher; createdAt: Map<string, number> } {
    const clock = testClock();
    const createdAt = new Map<string, number>();
    // Every task ends 20 s after its creation, which its record states (createTime, completeTime).
    const api = mockApi((id) => {
      const created = createdAt.get(id) ?? 0;
      const fields = { createTime: EPOCH + created };
      if (clock.now() - created < END_AGE_MS) return ok(record(id, { ...fields, progress: '0.00' }));
      return ok(record(id, { ...fields, status: 'SUCCESS', successFlag: 1, progress: '1.00', completeTime: EPOCH + created + END_AGE_MS, response: { resultUrls: [`https://cdn.test/${id}.png`] } }));
    }, clock.now);
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, policy });
    cleanup.push(async () => {
      await watcher.close();
      await api.close();
    });
    return { clock, api, watcher, createdAt };
  }

  /** One task watched from its creation to its end: its requests' ages, and when its waiter settled. */
  async function follow(s: ReturnType<typeof setup>, id: string): Promise<{ ages: number[]; settledAge: number }> {
    const t0 = s.clock.now();
    s.createdAt.set(id, t0);
    let settledAt = -1;
    void s.watcher.waitForCompletion(id).then(() => (settledAt = s.clock.now()));
    await s.clock.advance(40_000, 100);
    return { ages: s.api.requests.filter((r) => r.taskId === id).map((r) => r.at - t0), settledAge: settledAt - t0 };
  }

  async function endMany(s: ReturnType<typeof setup>, count: number): Promise<void> {
    const ids = Array.from({ length: count }, (_, i) => `c${i}`);
    const t0 = s.clock.now();
    for (const id of ids) s.createdAt.set(id, t0);
    const done = Promise.all(ids.map((id) => s.watcher.waitForCompletion(id)));
    await s.clock.advance(70_000, 250);
    await done;
  }

  it('learns where tasks end: after 150 ends at 20 s, a new task is polled rarely before then and found within the target', async () => {
    const s = setup({ p95DelayMs: 2_000 });
    const before = await follow(s, 'p0');
    await endMany(s, 150);
    const after = await follow(s, 'p1');
    // From the gpt4o-image prior (a median of 45 s), it polled all through the first 20 s...
    expect(before.ages.filter((a) => a < 15_000).length).toBeGreaterThanOrEqual(3);
    // ...having learned, once at creation and not again until close to the end.
    expect(after.ages.filter((a) => a < 15_000)).toHaveLength(1);
    expect(after.settledAge - END_AGE_MS).toBeLessThanOrEqual(2_000);
    expect(after.ages.length).toBeLessThan(before.ages.length);
  });

  it('a fixed interval does not learn', async () => {
    const s = setup({ intervalMs: 3_000 });
    const before = await follow(s, 'p0');
    await endMany(s, 40);
    const after = await follow(s, 'p1');
    expect(after.ages.length).toBe(before.ages.length);
  });
});

describe('what the engine tells the policy about an end', () => {
  const task = (): ReturnType<typeof newTaskEntry> => newTaskEntry(gpt4oImage as never, 't', 1_000);

  it('an end between two answers: the ages of both, by the provider clock when createTime is known', () => {
    const t = task();
    t.createTime = EPOCH - 5_000;
    // Watching began at 1,000 ms (monotonic), the previous answer at 9,000, this one at 12,000; epoch now EPOCH + 7,000.
    const end = endObservation(t, 9_000, null, 12_000, EPOCH + 7_000);
    expect(end).toEqual({ family: 'gpt4o-image', model: null, kind: 'ended', afterMs: 9_000, atMs: 12_000 });
  });

  it('the exact duration when the record says when it completed, and it lies between the answers', () => {
    const t = task();
    t.createTime = EPOCH - 5_000;
    expect(endObservation(t, 9_000, EPOCH + 5_000, 12_000, EPOCH + 7_000)).toMatchObject({ afterMs: 10_000, atMs: 10_000 });
    // A completeTime that contradicts the answers (another clock, another zone) is not believed.
    expect(endObservation(t, 9_000, EPOCH + 60_000, 12_000, EPOCH + 7_000)).toMatchObject({ afterMs: 9_000, atMs: 12_000 });
  });

  it('without a createTime, ages count from when watching began; a watch that stops is censored at the last answer', () => {
    const t = task();
    expect(endObservation(t, -1, null, 6_000, EPOCH)).toMatchObject({ afterMs: 0, atMs: 5_000 });
    t.lastAnswerAt = 4_000;
    t.model = 'veo3';
    expect(censoredObservation(t, 30_000, EPOCH)).toEqual({ family: 'gpt4o-image', model: 'veo3', kind: 'censored', afterMs: 3_000, atMs: 3_000 });
  });
});
