import { afterEach, describe, expect, it } from 'vitest';
import { FAMILIES, KieApiError, SubmitUnknownError, type FamilyInputs, type KnownFamilyId } from '../../src/index.js';
import { closeAll, sim, watcher } from './helpers.js';

afterEach(closeAll);

const INPUTS: { readonly [K in KnownFamilyId]: FamilyInputs[K] } = {
  'gpt4o-image': { prompt: 'a red fox', size: '1:1', nVariants: 2 },
  market: { model: 'google/nano-banana', input: { prompt: 'a red fox' } },
  veo: { prompt: 'a red fox running', model: 'veo3_fast' },
  'flux-kontext': { prompt: 'a red fox', model: 'flux-kontext-pro' },
  runway: { prompt: 'a red fox', duration: 5, quality: '720p' },
  luma: { prompt: 'make it snow', videoUrl: 'https://example.com/fox.mp4' },
  suno: { prompt: 'a song about a fox', customMode: false, instrumental: false, model: 'V4' },
  mj: { taskType: 'mj_txt2img', prompt: 'a red fox', speed: 'fast' },
};

describe('generate() creates a task on each family\'s create endpoint and waits for it', () => {
  it('every built-in family, through the real pool, one task billed per generate', async () => {
    const s = await sim();
    const w = watcher(s.url);
    const ids = Object.keys(FAMILIES) as KnownFamilyId[];
    const results = await Promise.all(ids.map((id) => w.generate(id, INPUTS[id] as never, { key: `k-${id}` })));
    for (const [i, id] of ids.entries()) {
      const r = results[i];
      expect(r?.family).toBe(id);
      expect(r?.resultUrls.length).toBeGreaterThan(0);
      expect(s.taskStats(r?.taskId ?? '')?.family).toBe(id);
    }
    expect(results[0]?.resultUrls).toHaveLength(2);
    expect(s.createStats()).toMatchObject({ arrivals: 8, created: 8, billedTwice: 0, windowViolations: 0 });
  });

  it('submit resolves { taskId, family, key } and the task is watched at once', async () => {
    const s = await sim();
    const w = watcher(s.url);
    const completed: string[] = [];
    w.on('completed', (e) => completed.push(e.taskId));
    const r = await w.submit('market', INPUTS.market, { key: 'order-17' });
    expect(r).toEqual({ taskId: expect.any(String), family: 'market', key: 'order-17' });
    expect(w.isWatching(r.taskId, { family: 'market' })).toBe(true);
    await w.onIdle();
    expect(completed).toEqual([r.taskId]);
  });

  it('without a key, each call is its own create', async () => {
    const s = await sim();
    const w = watcher(s.url);
    const a = await w.submit('veo', INPUTS.veo);
    const b = await w.submit('veo', INPUTS.veo);
    expect(a.taskId).not.toBe(b.taskId);
    expect(a.key).not.toBe(b.key);
    expect(s.createStats().created).toBe(2);
  });
});

describe('keys: one create per key', () => {
  it('the same key while the first submit is out shares its one request', async () => {
    const s = await sim();
    const w = watcher(s.url);
    const all = await Promise.all(Array.from({ length: 5 }, () => w.submit('gpt4o-image', INPUTS['gpt4o-image'], { key: 'same' })));
    expect(new Set(all.map((r) => r.taskId)).size).toBe(1);
    expect(s.createStats().arrivals).toBe(1);
  });

  it('after a known taskId the key resolves with it and sends nothing', async () => {
    const s = await sim();
    const w = watcher(s.url);
    const first = await w.submit('gpt4o-image', INPUTS['gpt4o-image'], { key: 'k' });
    const again = await w.submit('gpt4o-image', INPUTS['gpt4o-image'], { key: 'k' });
    expect(again.taskId).toBe(first.taskId);
    expect(s.createStats().arrivals).toBe(1);
  });
});

describe('402 and credits', () => {
  it('credits() reads the balance, and each create bills one', async () => {
    const s = await sim({ creation: { credits: 10 } });
    const w = watcher(s.url);
    expect(await w.credits()).toBe(10);
    await w.submit('runway', INPUTS.runway);
    expect(await w.credits()).toBe(9);
  });

  it('a 402 rejects that create with KieApiError 402, not retried; watches and later creates carry on', async () => {
    const s = await sim({ creation: { credits: 1 } });
    const w = watcher(s.url);
    const first = await w.submit('gpt4o-image', INPUTS['gpt4o-image']);
    const err = await w.submit('gpt4o-image', INPUTS['gpt4o-image']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KieApiError);
    expect((err as KieApiError).providerCode).toBe(402);
    expect(s.createStats()).toMatchObject({ arrivals: 2, created: 1, refusedForCredits: 1 });
    // The watch of the first task is unaffected.
    const done = await w.waitForCompletion(first.taskId);
    expect(done.taskId).toBe(first.taskId);
    s.setCredits(5);
    expect((await w.submit('gpt4o-image', INPUTS['gpt4o-image'])).taskId).toEqual(expect.any(String));
  });

  it('Suno\'s "credits insufficient" answered as 429 is a 402, not a rate limit to retry', async () => {
    const s = await sim({ creation: { credits: 0 } });
    const w = watcher(s.url);
    const err = await w.submit('suno', INPUTS.suno).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KieApiError);
    expect((err as KieApiError).providerCode).toBe(402);
    expect(s.createStats().arrivals).toBe(1);
  });
});

describe('unknown outcomes are never sent again', () => {
  it.each([
    ['create then reset', { resetAfterCreate: 1 }],
    ['create then body 500', { body500AfterCreate: 1 }],
    ['create then an answer after the request timeout', { slowAfterCreate: 1, slowMs: 1_500 }],
  ] as const)('%s: SubmitUnknownError with the key; the key rejects again without a request; resubmit sends', async (_name, faults) => {
    const s = await sim({ createFaults: faults });
    const w = watcher(s.url, { requestTimeoutMs: 400 });
    const before = Date.now();
    const err = await w.submit('flux-kontext', INPUTS['flux-kontext'], { key: 'order-9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitUnknownError);
    const e = err as SubmitUnknownError;
    expect({ code: e.code, key: e.key, family: e.family }).toEqual({ code: 'KIE_SUBMIT_UNKNOWN', key: 'order-9', family: 'flux-kontext' });
    expect(e.sentAt).toBeGreaterThanOrEqual(before - 1);
    expect(Number.isInteger(e.sentAt), `sentAt ${e.sentAt}`).toBe(true);
    // The task exists and was billed: the client could not tell.
    expect(s.createStats()).toMatchObject({ arrivals: 1, created: 1 });
    const again = await w.submit('flux-kontext', INPUTS['flux-kontext'], { key: 'order-9' }).catch((x: unknown) => x);
    expect(again).toBeInstanceOf(SubmitUnknownError);
    expect(s.createStats().arrivals).toBe(1);
    s.setCreateFaults({});
    const resent = await w.submit('flux-kontext', INPUTS['flux-kontext'], { key: 'order-9', resubmit: true });
    expect(resent.taskId).toEqual(expect.any(String));
    expect(s.createStats()).toMatchObject({ arrivals: 2, created: 2 });
  });
});
