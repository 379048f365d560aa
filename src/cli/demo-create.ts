import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FAMILY, type FamilyInputs, type KnownFamilyId, type TaskWatcher } from '../index.js';
import type { Sink } from './io.js';

/** A create input per family, as a first try of each would send it. */
const INPUTS: { readonly [K in KnownFamilyId]: FamilyInputs[K] } = {
  'gpt4o-image': { prompt: 'a red fox in the snow', size: '1:1', nVariants: 2 },
  market: { model: 'google/nano-banana', input: { prompt: 'a red fox in the snow' } },
  veo: { prompt: 'a red fox running', model: 'veo3_fast' },
  'flux-kontext': { prompt: 'a red fox in the snow', model: 'flux-kontext-pro' },
  runway: { prompt: 'a red fox running', duration: 5, quality: '720p' },
  luma: { prompt: 'make it snow', videoUrl: 'https://example.com/fox.mp4' },
  suno: { prompt: 'a song about a fox', customMode: false, instrumental: false, model: 'V4' },
  mj: { taskType: 'mj_txt2img', prompt: 'a red fox in the snow', speed: 'fast' },
};

/** How long the simulator takes over the tasks the demo creates, at speed 1. */
export const DEMO_CREATED_MS = { min: 2_000, max: 4_000 } as const;

/**
 * The second half of the demo: two tasks created with `generate()` (an image and a video), their files saved
 * into a fresh temporary folder, named on stderr; the folder is removed unless `keep`. Resolves `false` when a
 * create, a wait or a save failed (the simulator's created tasks never fail: that would be a bug).
 */
export async function createAndSave(
  watcher: TaskWatcher,
  options: { keep: boolean; json: boolean; families: readonly KnownFamilyId[] | undefined; say: (text: string) => void; out: Sink; signal?: AbortSignal | undefined },
): Promise<boolean> {
  const { say } = options;
  const dir = await mkdtemp(join(tmpdir(), 'kie-watch-demo-'));
  say(`kie-watch demo: creating 2 tasks with generate() and saving their files into ${dir}`);
  try {
    const signal = options.signal === undefined ? {} : { signal: options.signal };
    // The demo's first two families (or its one family twice): lines name the family only when it mixes several.
    const families = options.families ?? [DEFAULT_FAMILY];
    const pair = [families[0] ?? DEFAULT_FAMILY, families[1] ?? families[0] ?? DEFAULT_FAMILY];
    const made = await Promise.all(pair.map((family) => watcher.generate(family, INPUTS[family] as never, { download: { dir }, ...signal })));
    const named = families.length > 1;
    for (const result of made) {
      for (const f of result.files) {
        if (options.json) options.out.write(`${JSON.stringify({ type: 'file', taskId: result.taskId, ...(named ? { family: result.family } : {}), path: f.path, bytes: f.bytes, contentType: f.contentType })}\n`);
        say(`kie-watch demo:   saved ${f.path} (${f.bytes} bytes, ${f.contentType})`);
      }
    }
    return true;
  } catch (e) {
    say(`kie-watch demo: creating and saving failed: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  } finally {
    if (options.keep) {
      say(`kie-watch demo: kept ${dir}`);
    } else {
      await rm(dir, { recursive: true, force: true });
      say(`kie-watch demo: removed ${dir} (--keep keeps it)`);
    }
  }
}
