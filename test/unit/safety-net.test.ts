import { afterEach, describe, expect, it } from 'vitest';
import { ADAPTIVE, SAFETY_NET, TaskWatcher, adaptivePolicy, type PollState } from '../../src/index.js';
import { CALLBACK_GRACE_MS } from '../../src/engine/callback-misses.js';
import { testClock, EPOCH, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, ok, record, success, type MockApi } from '../helpers/mock-api.js';

// The 'adaptive' policy for tasks that expect a callback: a safety net that is slow while callbacks arrive and
// tightens, up to the ordinary schedule, as the share of ends no callback announced (the miss rate) rises.

const MIN_INTERVAL_MS = 374.3;

function state(over: Partial<PollState>): PollState {
  return {
    taskId: 't',
    family: 'gpt4o-image',
    model: null,
    watchedForMs: 0,
    taskAgeMs: 0,
    polls: 1,
    progress: null,
    status: 'GENERATING',
    msSinceProgressChange: null,
    etaMs: null,
    minIntervalMs: MIN_INTERVAL_MS,
    expectCallback: true,
    callbackMissRate: 0,
    ...over,
  };
}

/**
 * The poll times (task age, ms) the policy alone produces over `horizonMs`, starting with the poll at once.
 * `predictedEndMs`: progress predicts the end at that age (so `etaMs` counts down to it), else no estimate.
 */
function pollTimes(callbackMissRate: number | null, horizonMs: number, predictedEndMs: number | null = null): number[] {
  const times = [0];
  for (let t = 0; ; ) {
    const etaMs = predictedEndMs === null ? null : predictedEndMs - t;
    t += Math.max(MIN_INTERVAL_MS, adaptivePolicy(state({ taskAgeMs: t, watchedForMs: t, callbackMissRate, etaMs })));
    if (t > horizonMs) return times;
    times.push(t);
  }
}

describe('the safety net (adaptive policy, a callback expected)', () => {
  it('polls slowly while callbacks arrive: every 60 s, then every age of the task up to 2 minutes', () => {
    expect(pollTimes(0, 600_000)).toEqual([0, 60_000, 120_000, 240_000, 360_000, 480_000, 600_000]);
    expect(pollTimes(SAFETY_NET.trustedMissRate, 600_000)).toEqual(pollTimes(0, 600_000));
  });

  it('polls more often as the miss rate rises, up to the ordinary schedule', () => {
    const rates = [0, 0.05, 0.1, 0.2, 0.45, 0.6, 1];
    for (const predictedEndMs of [null, 45_000, 200_000]) {
      const counts = rates.map((m) => pollTimes(m, 300_000, predictedEndMs).length);
      for (let i = 1; i < counts.length; i++) expect(counts[i], `miss rate ${rates[i]}, end ${predictedEndMs}: ${counts.join(', ')}`).toBeGreaterThanOrEqual(counts[i - 1] ?? 0);
      expect(counts.at(-1)).toBeGreaterThan((counts[0] ?? 0) * 4);
    }
  });

  it('is the ordinary schedule once most callbacks are missed', () => {
    for (const age of [0, 10_000, 45_000, 200_000, 400_000]) {
      for (const etaMs of [null, 2_000, 30_000, -5_000]) {
        const s = state({ taskAgeMs: age, etaMs, callbackMissRate: SAFETY_NET.adaptiveMissRate });
        expect(adaptivePolicy(s)).toBe(adaptivePolicy({ ...s, expectCallback: false }));
        expect(adaptivePolicy({ ...s, callbackMissRate: 1 })).toBe(adaptivePolicy({ ...s, expectCallback: false }));
      }
    }
  });

  it('reads a miss rate nobody measured (null) as the belief that callbacks arrive: the slow net', () => {
    for (const predictedEndMs of [null, 45_000]) expect(pollTimes(null, 300_000, predictedEndMs)).toEqual(pollTimes(0, 300_000, predictedEndMs));
  });

  it('watches where a task is likely to end: early on, and closing in on the end progress predicts', () => {
    const m = 0.2;
    // No estimate: at 7.5 s of age, every 4.5 s until 20 s, then every 40 s.
    expect(pollTimes(m, 120_000)).toEqual([0, 7_500, 12_000, 16_500, 21_000, 61_000, 101_000]);
    // An end predicted at 100 s: 45% of the time left, never under 4.5 s nor over 40 s, then 4.5 s past it.
    const s = (age: number, etaMs: number): number => adaptivePolicy(state({ taskAgeMs: age, etaMs, callbackMissRate: m }));
    expect(s(30_000, 70_000)).toBe(31_500);
    expect(s(60_000, 40_000)).toBe(18_000);
    expect(s(90_000, 10_000)).toBe(SAFETY_NET.nearMs);
    expect(s(110_000, -10_000)).toBe(SAFETY_NET.nearMs);
    expect(s(30_000, 200_000)).toBe(SAFETY_NET.farMs);
    // Long past the predicted end, the prediction was wrong: a long task.
    expect(s(300_000, -90_000)).toBe(SAFETY_NET.overdueMs);
  });

  it('leaves the documented bands alone for tasks that expect no callback, whatever the miss rate', () => {
    for (const m of [null, 0, 0.2, 1]) {
      expect(adaptivePolicy(state({ expectCallback: false, callbackMissRate: m, taskAgeMs: 10_000 }))).toBe(ADAPTIVE.earlyMs);
      expect(adaptivePolicy(state({ expectCallback: false, callbackMissRate: m, taskAgeMs: 60_000 }))).toBe(ADAPTIVE.middleMs);
      expect(adaptivePolicy(state({ expectCallback: false, callbackMissRate: m, taskAgeMs: 400_000 }))).toBe(ADAPTIVE.lateMs);
    }
  });
});

describe('the safety net in a watcher (fake clock)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  /** `c*` tasks end at their second answer; `p*` probes never end and show no progress (no estimate). */
  function setup(): { clock: TestClock; api: MockApi; watcher: TaskWatcher; startedAt: Map<string, number> } {
    const clock = testClock();
    const startedAt = new Map<string, number>();
    const api = mockApi((id, n) => {
      if (id.startsWith('p')) return ok(record(id, { progress: '0.00', createTime: EPOCH + (startedAt.get(id) ?? 0) }));
      return n < 1 ? generating(id) : success(id);
    }, clock.now);
    const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, expectCallbacks: true });
    cleanup.push(async () => {
      await watcher.close();
      await api.close();
    });
    return { clock, api, watcher, startedAt };
  }

  /** Requests for a never-ending probe during its first two minutes. */
  async function probe(s: ReturnType<typeof setup>, id: string): Promise<number[]> {
    s.startedAt.set(id, s.clock.now());
    void s.watcher.waitForCompletion(id, { timeoutMs: 600_000 }).catch(() => undefined);
    await s.clock.advance(121_000, 250);
    const t0 = s.startedAt.get(id) ?? 0;
    return s.api.requests.filter((r) => r.taskId === id).map((r) => r.at - t0);
  }

  /** Ends `count` tasks: by a poke after their first answer (a callback arrived), or by the schedule alone. */
  async function endTasks(s: ReturnType<typeof setup>, prefix: string, count: number, poked: boolean): Promise<void> {
    const ids = Array.from({ length: count }, (_, i) => `c${prefix}${i}`);
    const done = Promise.all(ids.map((id) => s.watcher.waitForCompletion(id)));
    await s.clock.advance(1_000);
    if (poked) for (const id of ids) expect(s.watcher.poke(id)).toBe(true);
    await s.clock.advance(poked ? 1_000 : 130_000, 250);
    await done;
  }

  it('polls slowly while callbacks arrive, and tightens to the ordinary schedule once they stop', async () => {
    const s = setup();
    await endTasks(s, 'a', 8, true);
    // Within a second: the fake clock moves in 250 ms steps, and an answer is read a step after its request.
    const whileArriving = await probe(s, 'p1');
    expect(whileArriving).toHaveLength(3);
    [0, 60_000, 120_000].forEach((at, i) => expect(Math.abs((whileArriving[i] ?? Infinity) - at)).toBeLessThan(1_000));
    // Callbacks stop: the next 24 ends are all found by the schedule (24 of the last 32 missed).
    await endTasks(s, 'b', 24, false);
    // An end found without its callback counts as a miss once the callback has had its grace to arrive late.
    await s.clock.advance(CALLBACK_GRACE_MS, 250);
    const afterLoss = await probe(s, 'p2');
    expect(afterLoss.length).toBeGreaterThan(20);
    const gaps = afterLoss.slice(1, 6).map((t, i) => t - (afterLoss[i] ?? 0));
    for (const gap of gaps) expect(Math.abs(gap - ADAPTIVE.earlyMs)).toBeLessThanOrEqual(250);
  });

  it('a poke ends a finished task with one request, at once', async () => {
    const s = setup();
    await endTasks(s, 'a', 8, true);
    const done = s.watcher.waitForCompletion('cx');
    await s.clock.advance(20_000, 250);
    expect(s.api.requests.filter((r) => r.taskId === 'cx')).toHaveLength(1);
    const pokedAt = s.clock.now();
    expect(s.watcher.poke('cx')).toBe(true);
    await s.clock.advance(50);
    await done;
    const polls = s.api.requests.filter((r) => r.taskId === 'cx');
    expect(polls).toHaveLength(2);
    expect(polls[1]?.at).toBe(pokedAt);
  });
});
