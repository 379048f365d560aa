import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SubmitUnknownError, TaskWatcher, defineFamily, type FamilyRef } from '../../src/index.js';
import { closeAll, json, KEY, rejection, server, sim, watcher } from './helpers.js';

afterEach(closeAll);

const clip = defineFamily({
  id: 'clip',
  path: '/api/v1/clip/record-info',
  schema: z.looseObject({ state: z.string(), url: z.string().nullish() }),
  classify: (r) => ({ state: r.state === 'done' ? 'success' : 'pending', status: r.state }),
  toResult: (r) => ({ resultUrls: r.url ? [r.url] : [] }),
  create: { path: '/api/v1/clip/create', input: z.strictObject({ text: z.string().min(1) }) },
});
const watchOnly = defineFamily({
  id: 'watch-only',
  path: '/api/v1/w/record-info',
  schema: z.looseObject({}),
  classify: () => ({ state: 'pending', status: null }),
  toResult: () => ({ resultUrls: [] }),
});

describe('bad input is refused before any request', () => {
  it('TypeError for an unknown family, a family without a create endpoint, a failing input, a bad key; no request', async () => {
    const s = await sim();
    const w = watcher(s.url);
    const cases: [string, Promise<unknown>][] = [
      ['unknown family', w.submit('nope' as FamilyRef, {} as never)],
      ['no create endpoint', w.submit(watchOnly, {} as never)],
      ['input failing the schema (size)', w.submit('gpt4o-image', { prompt: 'x', size: '4:3' } as never)],
      ['input with neither prompt nor filesUrl', w.submit('gpt4o-image', { size: '1:1' })],
      ['market input without model', w.submit('market', { input: {} } as never)],
      ['input not an object', w.submit('veo', 'a fox' as never)],
      ['empty key', w.submit('veo', { prompt: 'x' }, { key: '' })],
      ['key too long', w.submit('veo', { prompt: 'x' }, { key: 'k'.repeat(257) })],
      ['key not a string', w.submit('veo', { prompt: 'x' }, { key: 42 as never })],
      ['resubmit not a boolean', w.submit('veo', { prompt: 'x' }, { resubmit: 'yes' as never })],
      ['generate with a bad timeoutMs', w.generate('veo', { prompt: 'x' }, { timeoutMs: -1 })],
      ['generate of an unknown family', w.generate('nope' as FamilyRef, {} as never)],
      ['generate of a family without a create endpoint', w.generate(watchOnly, {} as never)],
      ['generate with an input failing the schema', w.generate('runway', { prompt: 'x', quality: '4k' } as never)],
      ['generate with a key too long', w.generate('veo', { prompt: 'x' }, { key: 'k'.repeat(257) })],
      ['key null', w.submit('veo', { prompt: 'x' }, { key: null as never })],
    ];
    for (const [name, p] of cases) {
      const err = await rejection(p);
      expect(err, name).toBeInstanceOf(TypeError);
    }
    expect((await rejection(w.submit('veo', { prompt: 'x' }, { key: '' }))) as Error).toHaveProperty('message', expect.stringContaining('key'));
    expect(s.createStats().arrivals).toBe(0);
    // The bound is inclusive: a key of exactly 256 characters is sent.
    expect((await w.submit('veo', { prompt: 'x' }, { key: 'k'.repeat(256) })).key).toBe('k'.repeat(256));
    expect(s.createStats().arrivals).toBe(1);
  });

  it('submitLimit out of range is a RangeError; of the wrong type a TypeError', () => {
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { requests: 0 } })).toThrow(RangeError);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { windowMs: 0 } })).toThrow(RangeError);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { requests: 10_001 } })).toThrow(RangeError);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { windowMs: 3_600_001 } })).toThrow(RangeError);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { requests: -1 } })).toThrow(RangeError);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { requests: Number.NaN } })).toThrow(/submitLimit/);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { windowMs: Infinity } })).toThrow(/submitLimit/);
    expect(new TaskWatcher({ apiKey: KEY, submitLimit: { requests: 10_000, windowMs: 3_600_000 } })).toBeInstanceOf(TaskWatcher);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: { requests: 1.5 } })).toThrow(TypeError);
    expect(() => new TaskWatcher({ apiKey: KEY, submitLimit: 'fast' as never })).toThrow(TypeError);
    expect(() => new TaskWatcher({ apiKey: KEY, callbackUrl: 'ftp://x' })).toThrow(TypeError);
  });
});

describe('answers that do not prove a create', () => {
  it.each([
    ['data null', { code: 200, msg: 'success', data: null }],
    ['no data at all', { code: 200, msg: 'success' }],
    ['an empty taskId', { code: 200, msg: 'success', data: { taskId: '' } }],
    ['a taskId that is not a string', { code: 200, msg: 'success', data: { taskId: 42 } }],
  ])('200 with %s is an unknown outcome, sent once, and its key stays unknown', async (_name, body) => {
    const srv = await server((_req, res) => json(res, body));
    const w = watcher(srv.url);
    expect(await rejection(w.submit('market', { model: 'google/nano-banana', input: { prompt: 'x' } }, { key: 'k2' }))).toBeInstanceOf(SubmitUnknownError);
    expect(await rejection(w.submit('market', { model: 'google/nano-banana', input: { prompt: 'x' } }, { key: 'k2' }))).toBeInstanceOf(SubmitUnknownError);
    expect(srv.requests).toHaveLength(1);
  });

  it('200 without a taskId is an unknown outcome (the task may exist)', async () => {
    const srv = await server((_req, res) => json(res, { code: 200, msg: 'success', data: {} }));
    const w = watcher(srv.url);
    const err = await rejection(w.submit('gpt4o-image', { prompt: 'x', size: '1:1' }, { key: 'k1' }));
    expect(err).toBeInstanceOf(SubmitUnknownError);
    expect((err as SubmitUnknownError).reason).toMatch(/taskId/);
    expect(srv.requests).toHaveLength(1);
  });

  it.each([
    ['HTTP 502', 502, '<html>bad gateway</html>'],
    ['body 501', 200, JSON.stringify({ code: 501, msg: 'generation failed' })],
    ['an unknown body code (550)', 200, JSON.stringify({ code: 550, msg: 'queue full' })],
    ['not JSON', 200, 'oops'],
  ])('%s is an unknown outcome, sent once', async (_name, status, body) => {
    const srv = await server((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    const w = watcher(srv.url);
    expect(await rejection(w.submit('suno', { prompt: 'x' }))).toBeInstanceOf(SubmitUnknownError);
    expect(srv.requests).toHaveLength(1);
  });

  it('defineFamily with a create endpoint: its path, its schema, its answers', async () => {
    const srv = await server((req, res) => {
      if (req.url?.startsWith('/api/v1/clip/create')) json(res, { code: 200, msg: 'success', data: { taskId: 'c-1' } });
      else json(res, { code: 200, msg: 'success', data: { state: 'done', url: 'https://example.invalid/c-1.mp4' } });
    });
    const w = watcher(srv.url);
    expect(await rejection(w.submit(clip, { text: '' }))).toBeInstanceOf(TypeError);
    expect(srv.requests).toHaveLength(0);
    const result = await w.generate(clip, { text: 'hello' });
    expect(result).toMatchObject({ taskId: 'c-1', family: 'clip', resultUrls: ['https://example.invalid/c-1.mp4'] });
    expect(JSON.parse(srv.requests[0]?.body ?? '')).toEqual({ text: 'hello' });
  });

  it('defineFamily refuses a malformed create endpoint', () => {
    const base = { id: 'x', path: '/x', schema: z.looseObject({}), classify: () => ({ state: 'pending' as const, status: null }), toResult: () => ({ resultUrls: [] }) };
    expect(() => defineFamily({ ...base, create: { path: 'no-slash' } })).toThrow(TypeError);
    expect(() => defineFamily({ ...base, create: { path: '/c', input: {} as never } })).toThrow(TypeError);
  });
});
