import { afterEach, describe, expect, it } from 'vitest';
import { scriptedTasks, type KieSimulator, type SimulatedFamily, type SimulatedOutcome } from '../../src/simulator/index.js';
import { FAMILY_IDS, FAMILY_PATHS, fetchData, fetchFamily } from './family-shapes.js';
import { T0, call, manualClock, started } from './helpers.js';

let sim: KieSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A started simulator on a hand-moved clock. */
async function simulator(options: { seed?: number } = {}): Promise<{ sim: KieSimulator; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock();
  sim = await started({ now: clock.now, perTaskLimit: 1_000, ...options });
  return { sim, clock };
}

const FINAL_OUTCOMES: SimulatedOutcome[] = ['SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];

describe('every family answers on its own path in its own shape', () => {
  it.each(FAMILY_IDS)('%s: pending and every final outcome match the documented shape', async (family) => {
    const { sim: s, clock } = await simulator();
    const ids = FINAL_OUTCOMES.map((outcome) => s.addTask({ family, outcome, durationMs: 10_000 }));
    for (const at of [0, 1_500, 5_000, 9_999]) {
      clock.set(T0 + at);
      for (const id of ids) await fetchData(s, family, id);
    }
    clock.set(T0 + 10_000);
    for (const id of ids) await fetchData(s, family, id);
    for (const variant of ['openapi', 'quickstart'] as const) {
      const id = s.addTask({ family, outcome: 'SUCCESS', durationMs: 0, variant });
      await fetchData(s, family, id);
    }
  });

  it('gpt4o-image keeps its shape and path when no family is named', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ outcome: 'SUCCESS', durationMs: 0 });
    expect(await fetchData(s, 'gpt4o-image', id)).toMatchObject({ status: 'SUCCESS', successFlag: 1 });
    expect(s.taskStats(id)?.family).toBe('gpt4o-image');
  });

  it('answers a task on another family\'s path as unknown (body 422), and counts it', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ family: 'suno', outcome: 'SUCCESS', durationMs: 0 });
    for (const family of FAMILY_IDS.filter((f) => f !== 'suno')) {
      const body = await fetchFamily(s, family, id);
      expect(body['code']).toBe(422);
      expect(body['data']).toBeNull();
    }
    expect(s.stats().unknownTask).toBe(7);
    expect((await fetchFamily(s, 'suno', id))['code']).toBe(200);
  });

  it('answers a wrong method on any family path with 405 and Allow: GET', async () => {
    const { sim: s } = await simulator();
    for (const path of Object.values(FAMILY_PATHS)) {
      const answer = await call(`${s.url}${path}?taskId=x`, { method: 'POST', body: {} });
      expect(answer.status).toBe(405);
      expect(answer.headers['allow']).toBe('GET');
    }
  });
});

describe('lifecycle per family, from the clock alone', () => {
  const statusOf: Record<SimulatedFamily, (data: Record<string, unknown>) => unknown> = {
    'gpt4o-image': (d) => d['status'],
    market: (d) => d['state'],
    veo: (d) => d['successFlag'],
    'flux-kontext': (d) => d['successFlag'],
    runway: (d) => d['state'],
    luma: (d) => d['successFlag'],
    suno: (d) => d['status'],
    mj: (d) => d['successFlag'],
  };
  const expected: Record<SimulatedFamily, unknown[]> = {
    'gpt4o-image': ['GENERATING', 'GENERATING', 'GENERATING', 'GENERATING', 'SUCCESS'],
    market: ['waiting', 'queuing', 'generating', 'generating', 'success'],
    veo: [0, 0, 0, 0, 1],
    'flux-kontext': [0, 0, 0, 0, 1],
    runway: ['wait', 'queueing', 'generating', 'generating', 'success'],
    luma: [0, 0, 0, 0, 1],
    suno: ['PENDING', 'PENDING', 'TEXT_SUCCESS', 'FIRST_SUCCESS', 'SUCCESS'],
    mj: [0, 0, 0, 0, 1],
  };

  it.each(FAMILY_IDS)('%s goes from pending to final at durationMs', async (family) => {
    const { sim: s, clock } = await simulator();
    const id = s.addTask({ family, outcome: 'SUCCESS', durationMs: 30_000, quirk: false });
    const seen: unknown[] = [];
    for (const at of [0, 4_000, 10_000, 25_000, 30_000]) {
      clock.set(T0 + at);
      seen.push(statusOf[family](await fetchData(s, family, id)));
    }
    expect(seen).toEqual(expected[family]);
    expect(s.finalAt(id)).toBe(T0 + 30_000);
  });

  it.each(FAMILY_IDS)('%s keeps a NEVER task pending forever', async (family) => {
    const { sim: s, clock } = await simulator();
    const id = s.addTask({ family, outcome: 'NEVER', durationMs: 1_000 });
    clock.set(T0 + 7 * 24 * 3600_000);
    const status = statusOf[family](await fetchData(s, family, id));
    expect(['GENERATING', 'generating', 0, 'FIRST_SUCCESS']).toContain(status);
  });

  it.each(FAMILY_IDS)('%s hides a task during invisibleForMs with a body 422', async (family) => {
    const { sim: s, clock } = await simulator();
    const id = s.addTask({ family, outcome: 'SUCCESS', durationMs: 5_000, invisibleForMs: 1_000 });
    expect(await fetchFamily(s, family, id)).toMatchObject({ code: 422, data: null });
    clock.set(T0 + 1_000);
    expect(await fetchFamily(s, family, id)).toMatchObject({ code: 200 });
    expect(s.stats().unknownTask).toBe(0);
  });
});

describe('family quirks', () => {
  it('market: the envelope says message, not msg; resultJson is a JSON text; param is a JSON text', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ family: 'market', outcome: 'SUCCESS', durationMs: 0, resultUrls: ['https://x.invalid/a.png'] });
    const body = await fetchFamily(s, 'market', id);
    expect(body).toHaveProperty('message', 'success');
    expect(body).not.toHaveProperty('msg');
    const data = body['data'] as Record<string, unknown>;
    expect(typeof data['resultJson']).toBe('string');
    expect(JSON.parse(data['resultJson'] as string)).toEqual({ resultUrls: ['https://x.invalid/a.png'] });
    expect(JSON.parse(data['param'] as string)).toMatchObject({ model: 'google/nano-banana' });
    expect(data).toMatchObject({ failCode: '', failMsg: '', updateTime: T0, completeTime: T0 });
  });

  it('market: an unknown task is {"code":422,"msg":"recordInfo is null","data":null}', async () => {
    const { sim: s } = await simulator();
    expect(await fetchFamily(s, 'market', 'nope')).toEqual({ code: 422, msg: 'recordInfo is null', data: null });
  });

  it('market: a failure has state fail with failCode and failMsg; updateTime follows the state changes', async () => {
    const { sim: s, clock } = await simulator();
    const id = s.addTask({ family: 'market', outcome: 'GENERATE_FAILED', durationMs: 10_000, errorCode: 501, errorMessage: 'upstream said no' });
    clock.set(T0 + 1_500);
    expect(await fetchData(s, 'market', id)).toMatchObject({ state: 'queuing', updateTime: T0 + 1_000 });
    clock.set(T0 + 10_000);
    expect(await fetchData(s, 'market', id)).toMatchObject({ state: 'fail', failCode: '501', failMsg: 'upstream said no', completeTime: T0 + 10_000, updateTime: T0 + 10_000 });
  });

  it('runway: some successes carry failCode and failMsg, deterministically from the seed', async () => {
    const quirks = async (seed: number): Promise<boolean[]> => {
      const { sim: s } = await simulator({ seed });
      const ids = Array.from({ length: 200 }, (_, i) => s.addTask({ taskId: `rw-${i}`, family: 'runway', outcome: 'SUCCESS', durationMs: 0 }));
      const out: boolean[] = [];
      for (const id of ids) {
        const data = await fetchData(s, 'runway', id);
        expect(data['state']).toBe('success');
        out.push(data['failCode'] !== '');
      }
      await s.close();
      sim = undefined;
      return out;
    };
    const first = await quirks(5);
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.1);
    expect(share).toBeLessThan(0.4);
    expect(await quirks(5)).toEqual(first);
    expect(await quirks(6)).not.toEqual(first);
  });

  it('runway: a forced quirk shows the docs\' success with failCode 400; the cover is not the video', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ family: 'runway', outcome: 'SUCCESS', durationMs: 0, quirk: true, resultUrls: ['https://x.invalid/v.mp4'] });
    const data = await fetchData(s, 'runway', id);
    expect(data).toMatchObject({ state: 'success', failCode: 400, failMsg: 'Generation failed, please try again later', generateTime: '2025-01-02 03:04:05' });
    expect(data['videoInfo']).toMatchObject({ videoUrl: 'https://x.invalid/v.mp4' });
    expect((data['videoInfo'] as Record<string, string>)['imageUrl']).not.toBe('https://x.invalid/v.mp4');
  });

  it('luma: a quirky success answers successFlag 4, a plain one 1; failures 2 and 3', async () => {
    const { sim: s } = await simulator();
    const quirky = s.addTask({ family: 'luma', outcome: 'SUCCESS', durationMs: 0, quirk: true });
    const plain = s.addTask({ family: 'luma', outcome: 'SUCCESS', durationMs: 0, quirk: false });
    const created = s.addTask({ family: 'luma', outcome: 'CREATE_TASK_FAILED', durationMs: 0 });
    const generated = s.addTask({ family: 'luma', outcome: 'GENERATE_FAILED', durationMs: 0 });
    expect(await fetchData(s, 'luma', quirky)).toMatchObject({ successFlag: 4, response: { resultUrls: [`https://example.invalid/${quirky}/0.mp4`] } });
    expect((await fetchData(s, 'luma', plain))['successFlag']).toBe(1);
    expect((await fetchData(s, 'luma', created))['successFlag']).toBe(2);
    expect((await fetchData(s, 'luma', generated))['successFlag']).toBe(3);
  });

  it('luma: about one success in four shows successFlag 4 when the spec does not say', async () => {
    const { sim: s } = await simulator({ seed: 9 });
    const flags: unknown[] = [];
    for (let i = 0; i < 200; i++) flags.push((await fetchData(s, 'luma', s.addTask({ family: 'luma', outcome: 'SUCCESS', durationMs: 0 })))['successFlag']);
    const fours = flags.filter((f) => f === 4).length;
    expect(fours).toBeGreaterThan(20);
    expect(fours).toBeLessThan(80);
    expect(flags.every((f) => f === 1 || f === 4)).toBe(true);
  });

  it('suno: TEXT_SUCCESS has tracks without audio, FIRST_SUCCESS one with audio, SUCCESS all', async () => {
    const { sim: s, clock } = await simulator();
    const id = s.addTask({ family: 'suno', outcome: 'SUCCESS', durationMs: 30_000 });
    const audio = async (): Promise<string[]> => {
      const data = await fetchData(s, 'suno', id);
      const tracks = (data['response'] as { sunoData: { audioUrl: string }[] } | null)?.sunoData ?? [];
      return tracks.map((t) => t.audioUrl);
    };
    expect(await audio()).toEqual([]);
    clock.set(T0 + 10_000);
    expect(await audio()).toEqual(['', '']);
    clock.set(T0 + 20_000);
    expect(await audio()).toEqual([`https://example.invalid/${id}/0.mp3`, '']);
    clock.set(T0 + 30_000);
    expect(await audio()).toEqual([`https://example.invalid/${id}/0.mp3`, `https://example.invalid/${id}/1.mp3`]);
  });

  it('suno: failures use the family\'s own statuses', async () => {
    const { sim: s } = await simulator();
    const statuses: Record<string, string> = { GENERATE_FAILED: 'GENERATE_AUDIO_FAILED', CREATE_TASK_FAILED: 'CREATE_TASK_FAILED', MODERATED: 'SENSITIVE_WORD_ERROR' };
    for (const [outcome, status] of Object.entries(statuses)) {
      const id = s.addTask({ family: 'suno', outcome: outcome as SimulatedOutcome, durationMs: 0 });
      expect((await fetchData(s, 'suno', id))['status']).toBe(status);
    }
  });

  it('flux-kontext and mj: ISO-8601 times with Z', async () => {
    const { sim: s, clock } = await simulator();
    const flux = s.addTask({ family: 'flux-kontext', outcome: 'SUCCESS', durationMs: 2_500 });
    const mj = s.addTask({ family: 'mj', outcome: 'SUCCESS', durationMs: 2_500 });
    clock.set(T0 + 2_500);
    for (const [family, id] of [['flux-kontext', flux], ['mj', mj]] as const) {
      expect(await fetchData(s, family, id)).toMatchObject({ createTime: '2025-01-02T03:04:05Z', completeTime: '2025-01-02T03:04:07Z' });
    }
  });

  it('mj: the result URLs are objects { resultUrl }, four by default', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ family: 'mj', outcome: 'SUCCESS', durationMs: 0 });
    const data = await fetchData(s, 'mj', id);
    expect(data['resultInfoJson']).toEqual({ resultUrls: [0, 1, 2, 3].map((i) => ({ resultUrl: `https://example.invalid/${id}/${i}.jpeg` })) });
  });

  it('flux-kontext: one resultImageUrl', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ family: 'flux-kontext', outcome: 'SUCCESS', durationMs: 0 });
    expect((await fetchData(s, 'flux-kontext', id))['response']).toEqual({ originImageUrl: null, resultImageUrl: `https://example.invalid/${id}/0.png` });
  });

  it('veo: a failure record has no taskId; a moderated one is flag 3 with errorCode 422', async () => {
    const { sim: s } = await simulator();
    const id = s.addTask({ family: 'veo', outcome: 'MODERATED', durationMs: 0 });
    const data = await fetchData(s, 'veo', id);
    expect(data).not.toHaveProperty('taskId');
    expect(data).toMatchObject({ successFlag: 3, errorCode: 422 });
    const ok = s.addTask({ family: 'veo', outcome: 'SUCCESS', durationMs: 0 });
    expect(await fetchData(s, 'veo', ok)).toMatchObject({ taskId: ok, response: { originUrls: null, resolution: '1080p' } });
  });

  it('veo and luma follow the variant: epoch ms by default, zone-less texts for quickstart', async () => {
    const { sim: s } = await simulator();
    for (const family of ['veo', 'luma'] as const) {
      expect((await fetchData(s, family, s.addTask({ family, outcome: 'SUCCESS', durationMs: 0 })))['createTime']).toBe(T0);
      expect((await fetchData(s, family, s.addTask({ family, outcome: 'SUCCESS', durationMs: 0, variant: 'quickstart' })))['createTime']).toBe('2025-01-02 03:04:05');
    }
  });
});

describe('the per-task rate window spans every path', () => {
  it('counts requests for one taskId across family paths, the ones answered as unknown included', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const id = sim.addTask({ family: 'market', outcome: 'SUCCESS', durationMs: 60_000 });
    const codes: unknown[] = [];
    for (const family of ['market', 'gpt4o-image', 'suno', 'market'] as const) {
      codes.push((await fetchFamily(sim, family, id))['code']);
      clock.advance(100);
    }
    expect(codes).toEqual([200, 422, 422, 429]);
    expect(sim.taskStats(id)).toMatchObject({ requests: 4, violations: 1 });
    clock.advance(1_000);
    expect((await fetchFamily(sim, 'market', id))['code']).toBe(200);
  });
});

describe('task specs with families', () => {
  it('rejects an unknown family', async () => {
    const { sim: s } = await simulator();
    expect(() => s.addTask({ family: 'dall-e' as SimulatedFamily, outcome: 'SUCCESS', durationMs: 1 })).toThrow(/unknown family dall-e/);
    const answer = await call(`${s.url}/__sim/tasks`, { key: null, method: 'POST', body: { tasks: [{ family: 'dall-e', outcome: 'SUCCESS', durationMs: 1 }] } });
    expect(answer.status).toBe(400);
    expect(s.stats().tasks).toBe(0);
  });

  it('accepts family and quirk through the control endpoint', async () => {
    const { sim: s } = await simulator();
    const answer = await call(`${s.url}/__sim/tasks`, { key: null, method: 'POST', body: { tasks: [{ taskId: 'l1', family: 'luma', quirk: true, outcome: 'SUCCESS', durationMs: 0 }] } });
    expect(answer.status).toBe(200);
    expect((await fetchData(s, 'luma', 'l1'))['successFlag']).toBe(4);
    expect(s.taskStats('l1')).toMatchObject({ family: 'luma' });
  });
});

describe('scriptedTasks with families', () => {
  it('leaves family unset by default, exactly as before', () => {
    for (const spec of scriptedTasks(100, { seed: 3 })) expect(spec).not.toHaveProperty('family');
  });

  it('spreads the tasks over the families in turn without changing durations or outcomes', () => {
    const plain = scriptedTasks(40, { seed: 3 });
    const mixed = scriptedTasks(40, { seed: 3, families: FAMILY_IDS });
    expect(mixed.map((s) => s.family)).toEqual(Array.from({ length: 40 }, (_, i) => FAMILY_IDS[i % FAMILY_IDS.length]));
    expect(mixed.map(({ family: _f, ...rest }) => rest)).toEqual(plain);
    expect(scriptedTasks(40, { seed: 3, families: ['suno', 'mj'] })).toEqual(scriptedTasks(40, { seed: 3, families: ['suno', 'mj'] }));
  });

  it('rejects an empty or unknown family list', () => {
    expect(() => scriptedTasks(1, { families: [] })).toThrow(RangeError);
    expect(() => scriptedTasks(1, { families: ['nope' as SimulatedFamily] })).toThrow(RangeError);
  });
});
