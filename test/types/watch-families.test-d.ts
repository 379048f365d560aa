import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  defineFamily,
  isFamily,
  type TaskWatcher,
  type Gpt4oImageRecord,
  type MarketRecord,
  type MidjourneyRecord,
  type ProgressEvent,
  type RunwayRecord,
  type SunoRecord,
  type SunoTrack,
  type TaskUpdate,
  type VeoResponse,
  type WatchResult,
} from '../../src/index.js';

declare const w: TaskWatcher;

describe('waiting on a family types the result by that family', () => {
  it('gives Suno tracks without a cast', async () => {
    const result = await w.waitForCompletion('t', { family: 'suno' });
    expectTypeOf(result).toEqualTypeOf<WatchResult<'suno'>>();
    expectTypeOf(result.family).toEqualTypeOf<'suno'>();
    expectTypeOf(result.record).toEqualTypeOf<SunoRecord>();
    expectTypeOf(result.record.response?.sunoData).toEqualTypeOf<readonly SunoTrack[] | undefined>();
    expectTypeOf(result.record.response?.sunoData[0]?.audioUrl).toEqualTypeOf<string | null | undefined>();
    // resultUrls is the same plain list for every family.
    expectTypeOf(result.resultUrls).toEqualTypeOf<readonly string[]>();
  });

  it('gives each built-in family its own record', async () => {
    expectTypeOf((await w.waitForCompletion('t', { family: 'market' })).record).toEqualTypeOf<MarketRecord>();
    expectTypeOf((await w.waitForCompletion('t', { family: 'veo' })).record.response).toEqualTypeOf<VeoResponse | null>();
    expectTypeOf((await w.waitForCompletion('t', { family: 'runway' })).record).toEqualTypeOf<RunwayRecord>();
    expectTypeOf((await w.waitForCompletion('t', { family: 'mj' })).record.resultInfoJson).toEqualTypeOf<MidjourneyRecord['resultInfoJson']>();
    // No family: the default, 4o image.
    expectTypeOf((await w.waitForCompletion('t')).record).toEqualTypeOf<Gpt4oImageRecord>();
    expectTypeOf((await w.waitForCompletion('t')).family).toEqualTypeOf<'gpt4o-image'>();
  });

  it('types onProgress and updates() by the family too', () => {
    void w.waitForCompletion('t', {
      family: 'market',
      onProgress: (e) => {
        expectTypeOf(e).toEqualTypeOf<ProgressEvent<'market'>>();
        expectTypeOf(e.record).toEqualTypeOf<MarketRecord>();
        expectTypeOf(e.status).toEqualTypeOf<string | null>();
      },
    });
    expectTypeOf(w.updates('t', { family: 'runway' })).toEqualTypeOf<AsyncIterableIterator<TaskUpdate<'runway'>>>();
    const u = {} as TaskUpdate<'runway'>;
    if (u.type === 'completed') expectTypeOf(u.result.record.videoInfo?.videoUrl).toEqualTypeOf<string | null | undefined>();
  });

  it('types a custom family by its own record and id', async () => {
    const clips = defineFamily({
      id: 'clips',
      path: '/api/v2/clips/status',
      schema: z.looseObject({ id: z.string(), hrefs: z.array(z.string()) }),
      classify: (r) => ({ state: r.hrefs.length > 0 ? 'success' : 'pending', status: null, taskId: r.id }),
      toResult: (r) => ({ resultUrls: r.hrefs }),
    });
    const result = await w.waitForCompletion('t', { family: clips });
    expectTypeOf(result.family).toEqualTypeOf<'clips'>();
    expectTypeOf(result.record.hrefs).toEqualTypeOf<string[]>();
  });

  it('narrows a progress event of any family with isFamily', () => {
    w.on('progress', (e) => {
      expectTypeOf(e.record).toEqualTypeOf<unknown>();
      if (isFamily(e, 'suno')) expectTypeOf(e.record.response?.sunoData).toEqualTypeOf<readonly SunoTrack[] | undefined>();
    });
  });

  it('refuses a family id that is not built in', () => {
    // @ts-expect-error 'midjourney' is not a family id (it is 'mj')
    void w.waitForCompletion('t', { family: 'midjourney' });
    // @ts-expect-error watch takes the same family references
    w.watch('t', { family: 'sora2' });
  });
});
