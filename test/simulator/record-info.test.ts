import { afterEach, describe, expect, it } from 'vitest';
import type { KieSimulator } from '../../src/simulator/index.js';
import { T0, call, dataOf, getRecord, manualClock, recordUrl, started } from './helpers.js';

let sim: KieSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('record-info answers like the provider', () => {
  it('serves a SUCCESS record matching the OpenAPI shape (int64 times, response.resultUrls)', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ taskId: 'task12345', durationMs: 10_000, outcome: 'SUCCESS' });
    expect(taskId).toBe('task12345');
    clock.advance(10_000);
    const answer = await getRecord(sim, taskId);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json.code).toBe(200);
    expect(answer.json.msg).toBe('success');
    const data = dataOf(answer.json);
    expect(data).toMatchObject({
      taskId: 'task12345',
      successFlag: 1,
      status: 'SUCCESS',
      errorCode: null,
      errorMessage: '',
      createTime: T0,
      completeTime: T0 + 10_000,
      progress: '1.00',
      response: { resultUrls: ['https://example.invalid/task12345/0.png'] },
    });
    expect(JSON.parse(data.paramJson)).toMatchObject({ size: '1:1' });
  });

  it('serves the quickstart variant with date strings and response.result_urls', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 1_000, outcome: 'SUCCESS', variant: 'quickstart', resultUrls: ['https://x.invalid/a.png', 'https://x.invalid/b.png'] });
    clock.advance(1_500);
    const data = dataOf((await getRecord(sim, taskId)).json);
    expect(data.createTime).toBe('2025-01-02 03:04:05');
    expect(data.completeTime).toBe('2025-01-02 03:04:06');
    expect(data.response).toEqual({ result_urls: ['https://x.invalid/a.png', 'https://x.invalid/b.png'] });
  });

  it('reports GENERATING with completeTime and response null before the end', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 10_000, outcome: 'SUCCESS' });
    clock.advance(9_999);
    const data = dataOf((await getRecord(sim, taskId)).json);
    expect(data).toMatchObject({ status: 'GENERATING', successFlag: 0, completeTime: null, response: null, errorCode: null });
    expect(sim.finalAt(taskId)).toBeNull();
    clock.advance(1);
    expect(sim.finalAt(taskId)).toBe(T0 + 10_000);
  });

  it('gives random-looking sim- ids by default', async () => {
    sim = await started();
    const [a, b] = sim.addTasks([
      { durationMs: 1, outcome: 'SUCCESS' },
      { durationMs: 1, outcome: 'SUCCESS' },
    ]);
    expect(a).toMatch(/^sim-[0-9a-f]{24}$/);
    expect(b).toMatch(/^sim-[0-9a-f]{24}$/);
    expect(a).not.toBe(b);
    expect(() => sim?.addTask({ taskId: a ?? '', durationMs: 1, outcome: 'SUCCESS' })).toThrow(/already exists/);
  });

  it('hides a record during its invisible period (422 record is null), then shows it', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 5_000, outcome: 'SUCCESS', invisibleForMs: 2_000 });
    clock.advance(1_999);
    const hidden = await getRecord(sim, taskId);
    expect(hidden.json).toEqual({ code: 422, msg: 'record is null', data: null });
    clock.advance(1);
    expect(dataOf((await getRecord(sim, taskId)).json).status).toBe('GENERATING');
    expect(sim.stats().unknownTask).toBe(0);
  });

  it('answers 422 record is null for a task that was never added, and counts it', async () => {
    sim = await started();
    const answer = await getRecord(sim, 'no-such-task');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ code: 422, msg: 'record is null', data: null });
    expect(sim.stats().unknownTask).toBe(1);
  });

  it('answers 422 taskId is required without the parameter', async () => {
    sim = await started();
    const answer = await call(recordUrl(sim));
    expect(JSON.parse(answer.text)).toEqual({ code: 422, msg: 'taskId is required', data: null });
  });

  it('rejects a missing or wrong API key with body code 401 on HTTP 200', async () => {
    sim = await started({ apiKey: 'secret' });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    for (const key of [null, 'sim-key']) {
      const answer = await getRecord(sim, taskId, key);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ code: 401, msg: 'Unauthorized', data: null });
    }
    expect((await getRecord(sim, taskId, 'secret')).json.code).toBe(200);
    expect(sim.stats().unauthorized).toBe(2);
  });

  it('marks MODERATED tasks with successFlag 3, GENERATE_FAILED, Internal Error, 400', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 3_000, outcome: 'MODERATED' });
    clock.advance(3_000);
    const data = dataOf((await getRecord(sim, taskId)).json);
    expect(data).toMatchObject({ successFlag: 3, status: 'GENERATE_FAILED', errorMessage: 'Internal Error', errorCode: 400, response: null, completeTime: T0 + 3_000 });
    expect(data.progress).not.toBe('1.00');
  });

  it('reports GENERATE_FAILED and CREATE_TASK_FAILED with default and custom error details', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const gen = sim.addTask({ durationMs: 100, outcome: 'GENERATE_FAILED' });
    const create = sim.addTask({ durationMs: 100, outcome: 'CREATE_TASK_FAILED' });
    const custom = sim.addTask({ durationMs: 100, outcome: 'GENERATE_FAILED', errorCode: 451, errorMessage: 'Download Failed' });
    clock.advance(100);
    expect(dataOf((await getRecord(sim, gen)).json)).toMatchObject({ successFlag: 2, status: 'GENERATE_FAILED', errorCode: 500, errorMessage: 'Failed to generate image' });
    expect(dataOf((await getRecord(sim, create)).json)).toMatchObject({ successFlag: 2, status: 'CREATE_TASK_FAILED', errorCode: 400, errorMessage: 'content policy', progress: '0.00' });
    expect(dataOf((await getRecord(sim, custom)).json)).toMatchObject({ errorCode: 451, errorMessage: 'Download Failed' });
  });

  it('keeps a NEVER task GENERATING forever with stalled progress', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 1_000, outcome: 'NEVER' });
    clock.advance(1_000);
    const first = dataOf((await getRecord(sim, taskId)).json);
    clock.advance(7 * 24 * 3600_000);
    const later = dataOf((await getRecord(sim, taskId)).json);
    for (const data of [first, later]) {
      expect(data).toMatchObject({ status: 'GENERATING', successFlag: 0, completeTime: null, response: null });
    }
    expect(later.progress).toBe(first.progress);
    expect(Number(later.progress)).toBeLessThan(1);
    expect(sim.finalAt(taskId)).toBeNull();
    expect(sim.taskStats(taskId)).toMatchObject({ outcome: 'NEVER', finalAt: null, requests: 2 });
  });

  it('can answer SUCCESS with an empty result list (provider quirk)', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const a = sim.addTask({ durationMs: 10, outcome: 'SUCCESS', successWithoutUrls: true });
    const b = sim.addTask({ durationMs: 10, outcome: 'SUCCESS', successWithoutUrls: true, variant: 'quickstart' });
    clock.advance(10);
    expect(dataOf((await getRecord(sim, a)).json)).toMatchObject({ status: 'SUCCESS', successFlag: 1, response: { resultUrls: [] } });
    expect(dataOf((await getRecord(sim, b)).json)).toMatchObject({ status: 'SUCCESS', response: { result_urls: [] } });
  });

  it('keeps connections alive between requests', async () => {
    sim = await started();
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const answer = await getRecord(sim, taskId);
    expect(answer.headers['connection']).toBe('keep-alive');
  });

  it('answers unknown paths with HTTP 404 and wrong methods with 405', async () => {
    sim = await started();
    expect((await call(`${sim.url}/api/v1/nope`)).status).toBe(404);
    expect((await call(recordUrl(sim, 'x'), { method: 'POST', body: {} })).status).toBe(405);
  });

  it('rejects invalid task specs', async () => {
    sim = await started();
    expect(() => sim?.addTask({ durationMs: -1, outcome: 'SUCCESS' })).toThrow(RangeError);
    expect(() => sim?.addTask({ durationMs: 1, outcome: 'SUCCESS', progressSteps: 1.5 })).toThrow(RangeError);
    expect(() => sim?.addTask({ durationMs: 1, outcome: 'BOGUS' as 'SUCCESS' })).toThrow(RangeError);
  });
});
