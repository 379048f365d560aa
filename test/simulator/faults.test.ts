import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { KieSimulator } from '../../src/simulator/index.js';
import { call, getRecord, recordUrl, started } from './helpers.js';

let sim: KieSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A big limit so that repeated requests for one task test faults, not the window. */
const NO_LIMIT = { perTaskLimit: 1_000_000 };

describe('fault injection', () => {
  it('http5xx: plain 502/503/504 with an HTML body', async () => {
    sim = await started({ ...NO_LIMIT, faults: { http5xx: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const answer = await call(recordUrl(sim, taskId));
      expect(answer.headers['content-type']).toMatch(/text\/html/);
      expect(answer.text).toContain('<html>');
      statuses.add(answer.status);
    }
    expect([...statuses].sort()).toEqual([502, 503, 504]);
    expect(sim.stats().faultsInjected).toBe(30);
  });

  it.each([
    ['body500', 500],
    ['body455', 455],
    ['body429', 429],
    ['body408', 408],
  ] as const)('%s: HTTP 200 with body code %i and data null', async (fault, code) => {
    sim = await started({ faults: { [fault]: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const answer = await getRecord(sim, taskId);
    expect(answer.status).toBe(200);
    expect(answer.json.code).toBe(code);
    expect(answer.json.data).toBeNull();
  });

  it('http429: plain HTTP 429, sometimes with Retry-After: 1', async () => {
    sim = await started({ ...NO_LIMIT, faults: { http429: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const retryAfter = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      const answer = await call(recordUrl(sim, taskId));
      expect(answer.status).toBe(429);
      retryAfter.add(answer.headers['retry-after']);
    }
    expect(retryAfter).toEqual(new Set(['1', undefined]));
  });

  it('malformedJson: HTTP 200 with a truncated JSON body', async () => {
    sim = await started({ faults: { malformedJson: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const answer = await call(recordUrl(sim, taskId));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    expect(answer.text.startsWith('{"code":200')).toBe(true);
    expect(() => JSON.parse(answer.text) as unknown).toThrow();
  });

  it('reset: headers arrive, then the socket dies mid-body', async () => {
    sim = await started({ faults: { reset: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const res = await request(recordUrl(sim, taskId), { headers: { authorization: 'Bearer sim-key' } });
    expect(res.statusCode).toBe(200);
    await expect(res.body.text()).rejects.toThrow();
  });

  it('slow: delays the answer by slowMs', async () => {
    sim = await started({ faults: { slow: 1, slowMs: 300 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    const started_ = performance.now();
    const answer = await getRecord(sim, taskId);
    expect(performance.now() - started_).toBeGreaterThanOrEqual(280);
    expect(answer.json.code).toBe(200);
  });

  it('injects a seeded, reproducible share of faults and can be changed live', async () => {
    const pattern = async (): Promise<number[]> => {
      const s = await started({ ...NO_LIMIT, seed: 42, faults: { body500: 0.3 } });
      const taskId = s.addTask({ durationMs: 0, outcome: 'SUCCESS' });
      const codes: number[] = [];
      for (let i = 0; i < 100; i++) codes.push((await getRecord(s, taskId)).json.code);
      await s.close();
      return codes;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    const faulted = first.filter((c) => c === 500).length;
    expect(faulted).toBeGreaterThan(15);
    expect(faulted).toBeLessThan(45);

    sim = await started({ ...NO_LIMIT, faults: { body500: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    expect((await getRecord(sim, taskId)).json.code).toBe(500);
    sim.setFaults({});
    expect((await getRecord(sim, taskId)).json.code).toBe(200);
  });

  it('checks faults after auth and the rate window', async () => {
    sim = await started({ faults: { http5xx: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    expect((await getRecord(sim, taskId, 'wrong')).json.code).toBe(401);
    expect(sim.stats().faultsInjected).toBe(0);
  });

  it('rejects fault probabilities outside 0..1 and unknown fault names', async () => {
    sim = await started();
    expect(() => sim?.setFaults({ http5xx: 2 })).toThrow();
    expect(() => sim?.setFaults({ nope: 1 } as never)).toThrow();
  });
});
