import { afterEach, describe, expect, it } from 'vitest';
import type { KieSimulator } from '../../src/simulator/index.js';
import { getRecord, manualClock, started } from './helpers.js';

let sim: KieSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('per-task sliding rate window', () => {
  it('counts the 4th request within one second as a violation and answers body 429', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 60_000, outcome: 'SUCCESS' });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await getRecord(sim, taskId)).json.code);
      clock.advance(100);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await getRecord(sim, taskId);
    expect(limited.status).toBe(200);
    expect(limited.json).toEqual({ code: 429, msg: 'rate limited', data: null });
    expect(sim.stats()).toMatchObject({ requests: 5, violations: 2, maxRequestsInWindow: 5 });
    expect(sim.taskStats(taskId)).toMatchObject({ requests: 5, violations: 2 });
  });

  it('allows 3 requests per second forever when they are spaced out', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 60_000, outcome: 'SUCCESS' });
    for (let i = 0; i < 30; i++) {
      expect((await getRecord(sim, taskId)).json.code).toBe(200);
      clock.advance(334);
    }
    expect(sim.stats()).toMatchObject({ requests: 30, violations: 0, maxRequestsInWindow: 3 });
  });

  it('treats a request exactly one window later as outside the window', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 60_000, outcome: 'SUCCESS' });
    for (const dt of [0, 0, 0, 1000]) {
      clock.advance(dt);
      await getRecord(sim, taskId);
    }
    expect(sim.stats().violations).toBe(0);
  });

  it('keeps separate windows per task', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const [a, b] = sim.addTasks([
      { durationMs: 1, outcome: 'SUCCESS' },
      { durationMs: 1, outcome: 'SUCCESS' },
    ]);
    for (let i = 0; i < 3; i++) {
      await getRecord(sim, a ?? '');
      await getRecord(sim, b ?? '');
    }
    expect(sim.stats()).toMatchObject({ requests: 6, violations: 0, maxRequestsInWindow: 3 });
  });

  it('counts unauthorized and faulted requests in the window too', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now, faults: { body500: 1 } });
    const taskId = sim.addTask({ durationMs: 1, outcome: 'SUCCESS' });
    await getRecord(sim, taskId, null);
    await getRecord(sim, taskId);
    await getRecord(sim, taskId);
    expect((await getRecord(sim, taskId)).json.code).toBe(429);
    expect(sim.stats()).toMatchObject({ violations: 1, unauthorized: 1, faultsInjected: 2 });
  });

  it('honours perTaskLimit and perTaskWindowMs', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now, perTaskLimit: 1, perTaskWindowMs: 5_000 });
    const taskId = sim.addTask({ durationMs: 1, outcome: 'SUCCESS' });
    await getRecord(sim, taskId);
    clock.advance(4_999);
    expect((await getRecord(sim, taskId)).json.code).toBe(429);
    clock.advance(5_000);
    expect((await getRecord(sim, taskId)).json.code).toBe(200);
    expect(sim.stats().violations).toBe(1);
  });

  it('resetStats zeroes counters but keeps the tasks', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 1, outcome: 'SUCCESS' });
    for (let i = 0; i < 5; i++) await getRecord(sim, taskId);
    await getRecord(sim, 'unknown');
    sim.resetStats();
    expect(sim.stats()).toEqual({ requests: 0, violations: 0, faultsInjected: 0, unauthorized: 0, unknownTask: 0, tasks: 1, maxRequestsInWindow: 0 });
    expect(sim.taskStats(taskId)).toMatchObject({ requests: 0, violations: 0 });
  });
});
