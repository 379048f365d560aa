import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  FAMILIES,
  defineFamily,
  resolveFamily,
  type FamilyRecords,
  type FamilyInputs,
  type FamilyVerdict,
  type KnownFamilyId,
  type MarketRecord,
  type RecordOf,
  type SunoRecord,
  type SunoTrack,
  type TaskFamily,
} from '../../src/families/index.js';

describe('family record types', () => {
  it('RecordOf a known id gives its record, Suno tracks typed without casts', () => {
    expectTypeOf<RecordOf<'suno'>>().toEqualTypeOf<SunoRecord>();
    expectTypeOf<RecordOf<'market'>>().toEqualTypeOf<MarketRecord>();
    const record = {} as RecordOf<'suno'>;
    expectTypeOf(record.response?.sunoData[0]).toEqualTypeOf<SunoTrack | undefined>();
    expectTypeOf(record.response?.sunoData[0]?.audioUrl).toEqualTypeOf<string | null | undefined>();
  });

  it('reading a built-in family yields verdicts over its record type', () => {
    const v = FAMILIES.suno.read({}, 't');
    expectTypeOf(v).toEqualTypeOf<FamilyVerdict<SunoRecord>>();
    if (v.kind === 'success') {
      expectTypeOf(v.record.response).toEqualTypeOf<{ readonly taskId: string | null; readonly sunoData: readonly SunoTrack[] } | null>();
      expectTypeOf(v.resultUrls).toEqualTypeOf<readonly string[]>();
    }
    expectTypeOf(FAMILIES.mj).toEqualTypeOf<TaskFamily<'mj', FamilyRecords['mj'], FamilyInputs['mj']>>();
  });

  it('a custom defineFamily result carries its id and record type', () => {
    interface Clip {
      readonly clipUrl: string;
      readonly done: boolean;
    }
    const clips = defineFamily({
      id: 'clips',
      path: '/api/v1/clips/record-info',
      schema: z.looseObject({ url: z.string(), done: z.boolean() }),
      normalize: (raw): Clip => ({ clipUrl: raw.url, done: raw.done }),
      classify: (r) => ({ state: r.done ? 'success' : 'pending', status: null }),
      toResult: (r) => ({ resultUrls: [r.clipUrl] }),
    });
    expectTypeOf(clips).toEqualTypeOf<TaskFamily<'clips', Clip>>();
    expectTypeOf<RecordOf<typeof clips>>().toEqualTypeOf<Clip>();
    expectTypeOf(resolveFamily(clips).read({}, 't')).toEqualTypeOf<FamilyVerdict<Clip>>();
  });

  it('without normalize the record is the schema output', () => {
    const plain = defineFamily({
      id: 'plain',
      path: '/plain',
      schema: z.object({ url: z.string() }),
      classify: () => ({ state: 'success', status: null }),
      toResult: (r) => ({ resultUrls: [r.url] }),
    });
    expectTypeOf<RecordOf<typeof plain>>().toEqualTypeOf<{ url: string }>();
    expectTypeOf(plain.id).toEqualTypeOf<'plain'>();
  });

  it('resolveFamily keeps a known id\'s record type and refuses unknown ids', () => {
    expectTypeOf(resolveFamily('suno').read({}, 't')).toEqualTypeOf<FamilyVerdict<SunoRecord>>();
    // @ts-expect-error not a built-in family id
    resolveFamily('midjourney');
    expectTypeOf<KnownFamilyId>().toEqualTypeOf<'gpt4o-image' | 'market' | 'veo' | 'flux-kontext' | 'runway' | 'luma' | 'suno' | 'mj'>();
  });

  it('classify must return a documented state', () => {
    defineFamily({
      id: 'bad',
      path: '/bad',
      schema: z.unknown(),
      // @ts-expect-error 'done' is not a classification state
      classify: () => ({ state: 'done', status: null }),
      toResult: () => ({ resultUrls: [] }),
    });
  });
});
