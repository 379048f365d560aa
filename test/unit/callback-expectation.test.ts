import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, type PollState } from '../../src/index.js';
import { testClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success } from '../helpers/mock-api.js';

// What a policy learns about callbacks: whether the task expects one, and how often recent ends were found by a
// scheduled poll instead of one a callback (a poke) asked for.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe('polling when a callback is expected', () => {
  it('tells the policy which tasks expect a callback, and the share of ends no callback announced', async () => {
    const clock = testClock();
    // Each task ends at its third answer.
    const api = mockApi((id, n) => (n < 2 ? generating(id) : success(id)), clock.now);
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
    cleanup.push(async () => {
      await w.close();
      await api.close();
    });
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
    expect(states.find((s) => s.taskId === 't0')?.callbackMissRate).toBeNull();
    const last = states.filter((s) => s.taskId === 't19').at(-1);
    // 19 ends recorded before t19's last poll: 10 announced, 9 found by the schedule.
    expect(last?.callbackMissRate).toBeCloseTo(9 / 19, 5);
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
