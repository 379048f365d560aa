import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, type PollState } from '../../src/index.js';
import { CALLBACK_GRACE_MS } from '../../src/engine/callback-misses.js';
import { testClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success } from '../helpers/mock-api.js';

// What a policy learns about callbacks: whether the task expects one, and how often recent ends were found by a
// scheduled poll instead of one a callback (a poke) asked for.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** A watcher whose policy records every state it is shown and polls every 2 s; `answer` scripts the API. */
function recordingWatcher(answer: (id: string, n: number, w: TaskWatcher) => ReturnType<typeof success>) {
  const clock = testClock();
  const ref: { w?: TaskWatcher } = {};
  const api = mockApi((id, n) => answer(id, n, ref.w as TaskWatcher), clock.now);
  const states: PollState[] = [];
  const w = new TaskWatcher({
    apiKey: 'k',
    baseUrl: BASE,
    dispatcher: api.agent,
    clock,
    policy: (s) => {
      states.push(s);
      return 2_000;
    },
  });
  ref.w = w;
  cleanup.push(async () => {
    await w.close();
    await api.close();
  });
  /** The miss rate a new callback-expecting task is first shown. */
  const probeMissRate = async (id: string): Promise<number | null | undefined> => {
    const probe = w.waitForCompletion(id, { expectCallback: true });
    await clock.advance(100);
    const rate = states.find((st) => st.taskId === id)?.callbackMissRate;
    await clock.advance(5_000);
    await probe;
    return rate;
  };
  return { clock, w, states, probeMissRate };
}

describe('polling when a callback is expected', () => {
  it('tells the policy which tasks expect a callback, and the share of ends no callback announced', async () => {
    // Each task ends at its third answer.
    const { clock, w, states, probeMissRate } = recordingWatcher((id, n) => (n < 2 ? generating(id) : success(id)));
    // 10 tasks whose end a poke announces, then 10 whose end only the schedule finds.
    for (let i = 0; i < 20; i++) {
      const id = `t${i}`;
      const done = w.waitForCompletion(id, { expectCallback: true });
      await clock.advance(2_100);
      if (i < 10) expect(w.poke(id)).toBe(true);
      await clock.advance(i < 10 ? 500 : 2_100);
      await done;
    }
    const plain = w.waitForCompletion('plain');
    await clock.advance(100);
    expect(states.filter((s) => s.taskId === 'plain').map((s) => s.expectCallback)).toEqual([false]);
    await clock.advance(5_000);
    await plain;
    expect(states.find((s) => s.taskId === 't0')?.expectCallback).toBe(true);
    // Nothing ended yet: the belief that callbacks arrive.
    expect(states.find((s) => s.taskId === 't0')?.callbackMissRate).toBe(0);
    // Every end found by the schedule is a miss once its callback has had the grace to arrive late.
    await clock.advance(CALLBACK_GRACE_MS);
    expect(await probeMissRate('probe')).toBeCloseTo(10 / 20, 5);
  });

  it('an end a scheduled poll found before its callback arrived is not a lost callback if the callback follows within the grace', async () => {
    const { clock, w, probeMissRate } = recordingWatcher((id, n) => (n < 1 ? generating(id) : success(id)));
    // 12 tasks whose end the schedule finds; the callbacks of the first 8 come 1 s later (a poke for a task
    // no longer watched), those of the last 4 only after the grace.
    for (let i = 0; i < 12; i++) {
      const id = `t${i}`;
      await Promise.all([w.waitForCompletion(id, { expectCallback: true }), clock.advance(2_100)]);
      if (i < 8) {
        await clock.advance(1_000);
        expect(w.poke(id)).toBe(false);
      }
    }
    await clock.advance(CALLBACK_GRACE_MS + 1_000);
    for (let i = 8; i < 12; i++) expect(w.poke(`t${i}`)).toBe(false);
    // 8 late but within the grace: delivered; 4 past it: lost.
    expect(await probeMissRate('probe')).toBeCloseTo(4 / 12, 5);
  });

  it('a callback that arrives while the scheduled poll that finds the end is out counts as delivered', async () => {
    const { clock, w, probeMissRate } = recordingWatcher((id, n, watcher) => {
      if (n < 1 || id === 'probe') return n < 1 ? generating(id) : success(id);
      // The end is already in the record; the callback reaches the handler while this request is out.
      expect(watcher.poke(id)).toBe(true);
      return success(id);
    });
    for (let i = 0; i < 10; i++) await Promise.all([w.waitForCompletion(`t${i}`, { expectCallback: true }), clock.advance(2_100)]);
    await clock.advance(CALLBACK_GRACE_MS + 1_000);
    expect(await probeMissRate('probe')).toBe(0);
  });

  it('a poke while the request is out makes the next poll follow the answer at once (within the limit), not the policy', async () => {
    const clock = testClock();
    const ref: { w?: TaskWatcher } = {};
    const api = mockApi((id, n) => {
      // The mock builds its answer while the request is in flight: the callback arrives right then.
      if (n === 0) expect(ref.w?.poke(id)).toBe(true);
      return n < 1 ? generating(id) : success(id);
    }, clock.now);
    const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, policy: { intervalMs: 60_000 } });
    ref.w = w;
    cleanup.push(async () => {
      await w.close();
      await api.close();
    });
    const done = w.waitForCompletion('x', { expectCallback: true });
    await clock.advance(1_000);
    await done;
    expect(api.requests).toHaveLength(2);
    // The second poll waits only for the per-task spacing, not for the policy's minute.
    expect((api.requests[1]?.at ?? Infinity) - (api.requests[0]?.at ?? 0)).toBeLessThan(500);
  });

  it('poke() of a task nobody watches returns false and sends nothing', async () => {
    const clock = testClock();
    const api = mockApi((id) => success(id), clock.now);
    const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock });
    cleanup.push(async () => {
      await w.close();
      await api.close();
    });
    expect(w.poke('nobody')).toBe(false);
    await clock.advance(1_000);
    expect(api.requests).toHaveLength(0);
  });
});
