import { afterEach, describe, expect, it } from 'vitest';
import type { KieSimulator, SimulatorStats, SimulatorTaskStats } from '../../src/simulator/index.js';
import { call, dataOf, getRecord, manualClock, started } from './helpers.js';

let sim: KieSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function control<T>(path: string, body?: unknown): Promise<{ status: number; json: T }> {
  if (!sim) throw new Error('no simulator');
  const answer = await call(`${sim.url}/__sim/${path}`, { key: null, ...(body !== undefined ? { method: 'POST', body } : {}) });
  return { status: answer.status, json: JSON.parse(answer.text) as T };
}

describe('control endpoints (/__sim/) drive a simulator in another process', () => {
  it('adds tasks, reports task stats and global stats without auth', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const added = await control<{ taskIds: string[] }>('tasks', {
      tasks: [
        { taskId: 'a', durationMs: 1_000, outcome: 'SUCCESS' },
        { durationMs: 2_000, outcome: 'MODERATED', variant: 'quickstart' },
      ],
    });
    expect(added.status).toBe(200);
    expect(added.json.taskIds[0]).toBe('a');
    expect(added.json.taskIds).toHaveLength(2);
    clock.advance(1_000);
    await getRecord(sim, 'a');
    const one = await control<SimulatorTaskStats>('tasks/a');
    expect(one.json).toEqual({ taskId: 'a', requests: 1, violations: 0, finalAt: clock.now(), outcome: 'SUCCESS', family: 'gpt4o-image' });
    const all = await control<SimulatorTaskStats[]>('tasks');
    expect(all.json.map((t) => t.outcome)).toEqual(['SUCCESS', 'MODERATED']);
    const stats = await control<SimulatorStats>('stats');
    expect(stats.json).toMatchObject({ requests: 1, tasks: 2, violations: 0 });
  });

  it('sets faults live and resets stats', async () => {
    sim = await started();
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    expect((await control('faults', { body455: 1 })).status).toBe(200);
    expect((await getRecord(sim, taskId)).json.code).toBe(455);
    await control('faults', {});
    expect((await control('reset-stats', {})).json).toEqual({ ok: true });
    expect(sim.stats()).toMatchObject({ requests: 0, faultsInjected: 0 });
  });

  it('rejects bad control input with a 4xx and adds nothing from a bad batch', async () => {
    sim = await started();
    expect((await control('tasks', { tasks: [{ durationMs: -5, outcome: 'SUCCESS' }] })).status).toBe(400);
    expect((await control('tasks', { tasks: [{ taskId: 'x', durationMs: 1, outcome: 'SUCCESS' }, { taskId: 'x', durationMs: 1, outcome: 'SUCCESS' }] })).status).toBe(409);
    expect((await control('faults', { http5xx: 7 })).status).toBe(400);
    expect((await control('faults', { typo: 0.1 })).status).toBe(400);
    expect((await control('tasks/nope')).status).toBe(404);
    expect((await control('nope')).status).toBe(404);
    expect(sim.stats().tasks).toBe(0);
  });

  it('creates a task through POST generate, with paramJson from the request body', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now, generate: { minDurationMs: 1_000, maxDurationMs: 2_000, failureRate: 0 } });
    const params = { prompt: 'a red fox', size: '1:1', nVariants: 2 };
    const created = await call(`${sim.url}/api/v1/gpt4o-image/generate`, { method: 'POST', body: params });
    const body = JSON.parse(created.text) as { code: number; msg: string; data: { taskId: string } };
    expect(body.code).toBe(200);
    expect(body.msg).toBe('success');
    const { taskId } = body.data;
    clock.advance(2_000);
    const data = dataOf((await getRecord(sim, taskId)).json);
    expect(JSON.parse(data.paramJson)).toEqual(params);
    expect(data.status).toBe('SUCCESS');
    expect(data.response).toEqual({ resultUrls: [`https://example.invalid/${taskId}/0.png`, `https://example.invalid/${taskId}/1.png`] });
  });

  it('checks auth and input on POST generate', async () => {
    sim = await started();
    const url = `${sim.url}/api/v1/gpt4o-image/generate`;
    expect(JSON.parse((await call(url, { method: 'POST', key: null, body: { prompt: 'x' } })).text)).toMatchObject({ code: 401 });
    expect(JSON.parse((await call(url, { method: 'POST', body: { size: '1:1' } })).text)).toMatchObject({ code: 422 });
    expect(sim.stats()).toMatchObject({ tasks: 0, unauthorized: 1 });
  });
});
