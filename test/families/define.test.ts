import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFamily, readTime, type FamilyClassification } from '../../src/families/index.js';
import { verdictOf } from './helpers.js';

/** A made-up endpoint a user might add: `state` 'run' | 'done' | 'err', results in `files[].href`. */
const schema = z.looseObject({
  id: z.string(),
  state: z.string(),
  files: z.array(z.looseObject({ href: z.string() })).nullish(),
  started: z.union([z.number(), z.string()]).nullish(),
  pct: z.number().nullish(),
  why: z.string().nullish(),
});
type Raw = z.infer<typeof schema>;
interface Clip {
  readonly id: string;
  readonly state: string;
  readonly urls: readonly string[];
  readonly started: ReturnType<typeof readTime>;
  readonly pct: number | null;
  readonly why: string | null;
}
const classifyClip = (r: Clip): FamilyClassification => {
  const base = { taskId: r.id, status: r.state, progress: r.pct, createTime: r.started?.ms ?? null, createTimeZoned: r.started?.zoned };
  if (r.state === 'done') return { ...base, state: 'success' };
  if (r.state === 'err') return { ...base, state: 'failure', failure: { errorMessage: r.why } };
  return { ...base, state: 'pending', unknownStatus: r.state !== 'run' };
};
const definition = {
  id: 'clips',
  path: '/api/v1/clips/record-info',
  schema,
  normalize: (raw: Raw): Clip => ({ id: raw.id, state: raw.state, urls: (raw.files ?? []).map((f) => f.href), started: readTime(raw.started), pct: raw.pct ?? null, why: raw.why ?? null }),
  classify: classifyClip,
  toResult: (r: Clip) => ({ resultUrls: r.urls, params: { kind: 'clip' } }),
};
const clips = defineFamily(definition);

describe('defineFamily', () => {
  it('makes a family with the given id and path, frozen', () => {
    expect(clips.id).toBe('clips');
    expect(clips.path).toBe('/api/v1/clips/record-info');
    expect(Object.isFrozen(clips)).toBe(true);
  });

  it('reads a success: normalized record, filled view, URLs and params', () => {
    const v = verdictOf(clips.read({ id: 'c1', state: 'done', files: [{ href: 'https://x/1.mp4' }], started: '2025-01-01 00:00:00', pct: 1 }, 'c1'), 'success');
    expect(v.record.urls).toEqual(['https://x/1.mp4']);
    expect(v.resultUrls).toEqual(['https://x/1.mp4']);
    expect(v.params).toEqual({ kind: 'clip' });
    expect(v.view).toEqual({ taskId: 'c1', status: 'done', progress: 1, createTime: Date.UTC(2025, 0, 1), createTimeZoned: false, completeTime: null, model: null });
  });

  it('fills failure details, defaulting failure.status to the record\'s status', () => {
    const v = verdictOf(clips.read({ id: 'c1', state: 'err', why: 'boom' }, 'c1'), 'failure');
    expect(v.failure).toEqual({ status: 'err', successFlag: null, errorCode: null, errorMessage: 'boom' });
  });

  it('passes unknownStatus through for pending records', () => {
    expect(verdictOf(clips.read({ id: 'c1', state: 'warming' }, 'c1'), 'pending').unknownStatus).toBe(true);
    expect(verdictOf(clips.read({ id: 'c1', state: 'run' }, 'c1'), 'pending').unknownStatus).toBe(false);
  });

  it('turns a schema failure into invalid with zod-style issues under data', () => {
    const v = verdictOf(clips.read({ id: 7, state: 'run' }, 'c1'), 'invalid');
    expect(v.reason).toBe('record does not match the schema');
    expect(v.issues).toEqual([{ path: ['data', 'id'], message: expect.any(String) }]);
  });

  it('turns a success without any non-empty URL into invalid', () => {
    const v = verdictOf(clips.read({ id: 'c1', state: 'done', files: [{ href: '' }] }, 'c1'), 'invalid');
    expect(v).toEqual({ kind: 'invalid', reason: 'SUCCESS without a result URL', issues: [{ path: ['data'], message: 'no non-empty result URL' }] });
  });

  it('reports a record naming another task as invalid', () => {
    expect(verdictOf(clips.read({ id: 'other', state: 'done', files: [{ href: 'https://x' }] }, 'c1'), 'invalid').reason).toBe('record is for another task');
  });

  it('never throws, even when normalize, classify or toResult do', () => {
    const throwing = (stage: 'normalize' | 'classify' | 'toResult') =>
      defineFamily({
        ...definition,
        id: `throws-${stage.toLowerCase()}`,
        normalize: stage === 'normalize' ? () => { throw new Error('bad normalize'); } : definition.normalize,
        classify: stage === 'classify' ? () => { throw new Error('bad classify'); } : definition.classify,
        toResult: stage === 'toResult' ? () => { throw new Error('bad toResult'); } : definition.toResult,
      });
    for (const stage of ['normalize', 'classify', 'toResult'] as const) {
      const v = verdictOf(throwing(stage).read({ id: 'c1', state: 'done', files: [{ href: 'https://x' }] }, 'c1'), 'invalid');
      expect(v.reason).toContain(`${stage} threw: bad ${stage}`);
    }
  });

  it('sanitizes what a custom classify returns: progress clamped, non-finite times dropped', () => {
    const odd = defineFamily({
      id: 'odd',
      path: '/odd',
      schema: z.unknown(),
      classify: () => ({ state: 'pending', status: null, progress: 7, createTime: Number.NaN, completeTime: Number.POSITIVE_INFINITY }),
      toResult: () => ({ resultUrls: [] }),
    });
    expect(verdictOf(odd.read({}, 't'), 'pending').view).toEqual({ taskId: null, status: null, progress: 1, createTime: null, createTimeZoned: true, completeTime: null, model: null });
  });

  it('reports an unknown classification state as invalid instead of guessing', () => {
    const odd = defineFamily({ id: 'odd', path: '/odd', schema: z.unknown(), classify: () => ({ state: 'maybe' as 'pending', status: null }), toResult: () => ({ resultUrls: [] }) });
    expect(verdictOf(odd.read({}, 't'), 'invalid').reason).toMatch(/classified the record as maybe/);
  });

  it('works without normalize: the record is the schema output', () => {
    const plain = defineFamily({
      id: 'plain',
      path: '/plain',
      schema: z.object({ url: z.string() }),
      classify: () => ({ state: 'success', status: 'ok' }),
      toResult: (r) => ({ resultUrls: [r.url] }),
    });
    const v = verdictOf(plain.read({ url: 'https://x' }, 't'), 'success');
    expect(v.record).toEqual({ url: 'https://x' });
    expect(v.params).toBeNull();
  });

  it.each([
    ['an id with capitals', { id: 'Clips' }, /id must match/],
    ['an id starting with a dash', { id: '-clips' }, /id must match/],
    ['an empty id', { id: '' }, /id must match/],
    ['a path without a leading slash', { path: 'api/v1/x' }, /path must start with "\/"/],
    ['a path with a query', { path: '/api/v1/x?taskId=1' }, /no query/],
    ['a path with a fragment', { path: '/api/v1/x#a' }, /no query/],
    ['a schema without safeParse', { schema: {} }, /safeParse/],
    ['a classify that is not a function', { classify: 'x' }, /classify must be a function/],
    ['a toResult that is not a function', { toResult: undefined }, /toResult must be a function/],
    ['a normalize that is not a function', { normalize: 1 }, /normalize must be a function/],
  ])('rejects %s with a TypeError', (_, override, message) => {
    expect(() => defineFamily({ ...definition, ...override } as unknown as typeof definition)).toThrow(TypeError);
    expect(() => defineFamily({ ...definition, ...override } as unknown as typeof definition)).toThrow(message);
  });

  it('rejects a definition that is not an object', () => {
    expect(() => defineFamily(null as unknown as typeof definition)).toThrow(TypeError);
  });
});

describe('the docs/families.md example', () => {
  const clips = defineFamily({
    id: 'clips',
    path: '/api/v1/clips/record-info',
    schema: z.looseObject({ taskId: z.string().nullish(), state: z.string(), url: z.string().nullish() }),
    normalize: (raw) => ({ ...raw, url: raw.url ?? null }),
    classify: (r) => ({
      state: r.state === 'done' ? 'success' : r.state === 'error' ? 'failure' : 'pending',
      status: r.state,
      taskId: r.taskId ?? null,
      unknownStatus: !['queued', 'running', 'done', 'error'].includes(r.state),
    }),
    toResult: (r) => ({ resultUrls: r.url ? [r.url] : [] }),
  });

  it('reads as written', () => {
    expect(verdictOf(clips.read({ taskId: 'c', state: 'done', url: 'https://x/c.mp4' }, 'c'), 'success').resultUrls).toEqual(['https://x/c.mp4']);
    expect(verdictOf(clips.read({ state: 'error' }, 'c'), 'failure').failure.status).toBe('error');
    expect(verdictOf(clips.read({ state: 'thinking' }, 'c'), 'pending').unknownStatus).toBe(true);
  });
});
