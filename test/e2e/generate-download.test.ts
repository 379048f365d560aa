import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';

const KEY = 'gen-dl-key';
const open: { close(): Promise<unknown> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup(): Promise<{ s: KieSimulator; w: TaskWatcher; dir: string }> {
  const s = await startSimulator({ apiKey: KEY, generate: { minDurationMs: 50, maxDurationMs: 150, failureRate: 0 } });
  open.push(s);
  const w = new TaskWatcher({ apiKey: KEY, baseUrl: s.url, policy: 'fastest' });
  open.push(w);
  const dir = await mkdtemp(join(tmpdir(), 'kie-gen-dl-'));
  dirs.push(dir);
  return { s, w, dir };
}

describe('generate() with the download option', () => {
  it('creates, waits and saves every result file in one call, through the real pool', async () => {
    const { s, w, dir } = await setup();
    const result = await w.generate('gpt4o-image', { prompt: 'a red fox', size: '1:1', nVariants: 2 }, { download: { dir, retryDelayMs: 10 } });
    expect(result.files.map((f) => f.path)).toEqual([join(dir, `${result.taskId}-0.png`), join(dir, `${result.taskId}-1.png`)]);
    for (const f of result.files) {
      const bytes = await readFile(f.path);
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(f).toMatchObject({ bytes: bytes.length, contentType: 'image/png' });
    }
    expect((await readdir(dir)).sort()).toEqual([`${result.taskId}-0.png`, `${result.taskId}-1.png`]);
    expect(s.createStats()).toMatchObject({ created: 1, billedTwice: 0 });
    expect(s.fileStats()).toMatchObject({ linksIssued: 2, filesServed: 2 });
  });

  it('saves a video family\'s file too', async () => {
    const { w, dir } = await setup();
    const clip = await w.generate('veo', { prompt: 'a red fox running', model: 'veo3_fast' }, { download: { dir } });
    expect(clip.files).toHaveLength(1);
    expect((await readFile(clip.files[0]?.path as string)).subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('refuses a bad download option before anything is created (nothing billed)', async () => {
    const { s, w } = await setup();
    for (const download of [{ dir: '' }, { dir: 42 }, { dir: '/tmp', concurrency: 0 }, null]) {
      await expect(w.generate('gpt4o-image', { prompt: 'x', size: '1:1' }, { download: download as never })).rejects.toThrow(TypeError);
    }
    expect(s.createStats()).toMatchObject({ arrivals: 0, created: 0 });
  });

  it('without the option resolves a result with no files, as before', async () => {
    const { w } = await setup();
    const result = await w.generate('gpt4o-image', { prompt: 'x', size: '1:1' });
    expect('files' in result).toBe(false);
  });
});
