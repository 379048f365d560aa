import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FilePendingTaskStore } from '../../src/stores/file-pending-store.js';
import { bundle } from '../helpers/bundle.js';

let dir: string;
let n = 0;
const open: FilePendingTaskStore[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kie-pending-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freshPath = (): string => join(dir, `pending-${n++}.jsonl`);
async function openStore(path: string, options: Parameters<typeof FilePendingTaskStore.open>[1] = {}): Promise<FilePendingTaskStore> {
  const s = await FilePendingTaskStore.open(path, options);
  open.push(s);
  return s;
}
const ids = (s: FilePendingTaskStore): string[] => [...s.list()].map((t) => t.taskId).sort();

describe('FilePendingTaskStore', () => {
  it('gives back after a reopen what was added and not deleted, with each family', async () => {
    const path = freshPath();
    const a = await openStore(path);
    a.add({ taskId: 'a', watchedAt: 1 });
    a.add({ taskId: 'b', watchedAt: 2, family: 'veo' });
    a.add({ taskId: 'c', watchedAt: 3 });
    a.delete('c');
    a.add({ taskId: 'a', watchedAt: 99 });
    await a.close();
    const b = await openStore(path);
    expect([...b.list()].sort((x, y) => x.taskId.localeCompare(y.taskId))).toEqual([
      { taskId: 'a', watchedAt: 1, family: 'gpt4o-image' },
      { taskId: 'b', watchedAt: 2, family: 'veo' },
    ]);
  });

  it('reads lines written before families existed as gpt4o-image', async () => {
    const path = freshPath();
    writeFileSync(path, '{"op":"add","taskId":"old","watchedAt":5}\n');
    expect([...(await openStore(path)).list()]).toEqual([{ taskId: 'old', watchedAt: 5, family: 'gpt4o-image' }]);
  });

  it('syncs once per batch, not once per change', async () => {
    const s = await openStore(freshPath(), { flushIntervalMs: 10_000 });
    for (let i = 0; i < 1_000; i++) s.add({ taskId: `t-${i}`, watchedAt: i });
    await s.flush();
    expect(s.stats()).toMatchObject({ syncs: 1, lines: 1_000 });
    await s.flush();
    expect(s.stats().syncs).toBe(1);
  });

  it('flushes a batch by itself after flushIntervalMs', async () => {
    const path = freshPath();
    const s = await openStore(path, { flushIntervalMs: 20 });
    s.add({ taskId: 'x', watchedAt: 1 });
    expect(readFileSync(path, 'utf8')).toBe('');
    const end = Date.now() + 2_000;
    while (s.stats().syncs === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(path, 'utf8')).toContain('"taskId":"x"');
  });

  it('ignores a torn last line, and appends cleanly after it', async () => {
    const path = freshPath();
    writeFileSync(path, '{"op":"add","taskId":"a","watchedAt":1}\n{"op":"add","taskId":"b","wat');
    const s = await openStore(path);
    expect(ids(s)).toEqual(['a']);
    expect(s.stats().skippedOnOpen).toBe(1);
    s.add({ taskId: 'c', watchedAt: 3 });
    await s.close();
    expect(ids(await openStore(path))).toEqual(['a', 'c']);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).every((l) => JSON.parse(l) !== null)).toBe(true);
  });

  it('skips an unreadable line in the middle and rewrites the file clean', async () => {
    const path = freshPath();
    writeFileSync(path, '{"op":"add","taskId":"a","watchedAt":1}\nnot json\n{"op":"add","taskId":"b","watchedAt":2}\n');
    const s = await openStore(path);
    expect(ids(s)).toEqual(['a', 'b']);
    expect(readFileSync(path, 'utf8')).not.toContain('not json');
  });

  it('compacts by rewrite and rename once the log outgrows the live set', async () => {
    const path = freshPath();
    const s = await openStore(path, { minCompactLines: 100, compactRatio: 2, flushIntervalMs: 10_000 });
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 50; i++) s.add({ taskId: `r${round}-${i}`, watchedAt: i });
      for (let i = 0; i < 50; i++) if (i % 10 !== 0) s.delete(`r${round}-${i}`);
      await s.flush();
    }
    expect(s.stats().compactions).toBeGreaterThan(0);
    expect(s.stats().lines).toBeLessThanOrEqual(Math.max(100, 2 * s.size) + 100);
    const live = ids(s);
    expect(live).toHaveLength(100);
    await s.close();
    expect(ids(await openStore(path))).toEqual(live);
  });

  it('handles 100,000 pending tasks: one batch to write, a compaction after deleting most, a quick reopen', async () => {
    const path = freshPath();
    const s = await openStore(path, { flushIntervalMs: 10_000 });
    for (let i = 0; i < 100_000; i++) s.add({ taskId: `task-${i.toString(36)}-0123456789abcdef`, watchedAt: 1_700_000_000_000 + i });
    await s.flush();
    for (let i = 0; i < 100_000; i++) if (i % 4 !== 0) s.delete(`task-${i.toString(36)}-0123456789abcdef`);
    await s.flush();
    expect(s.stats().compactions).toBe(1);
    await s.close();
    expect(statSync(path).size).toBeLessThan(25_000 * 120);
    const started = performance.now();
    const again = await openStore(path);
    expect(again.size).toBe(25_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses changes after close', async () => {
    const s = await openStore(freshPath());
    await s.close();
    expect(() => s.add({ taskId: 'x', watchedAt: 1 })).toThrow(/closed/);
  });
});

describe('FilePendingTaskStore under kill -9', () => {
  let worker: string;
  beforeAll(async () => {
    worker = await bundle('test/stores/fixtures/pending-writer.ts');
  });
  afterAll(() => rmSync(worker, { force: true }));

  for (const killAfterMs of [150, 400, 900]) {
    it(`loses at most the unflushed batch and never corrupts the file (killed after ${killAfterMs} ms)`, async () => {
      const path = freshPath();
      const child = spawn(process.execPath, [worker, path], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c: string) => (out += c));
      // Counted from the child's first acknowledged write, not from spawn: on a loaded machine Node's start-up
      // alone can take longer than the shortest delay, and a child killed before it wrote anything tests nothing.
      await new Promise<void>((r) => child.stdout.once('data', () => r()));
      await new Promise((r) => setTimeout(r, killAfterMs));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const acknowledged = Number(out.trim().split('\n').filter(Boolean).at(-1) ?? 0);
      expect(acknowledged).toBeGreaterThan(0);
      // A crash can also leave a torn line behind: simulate the worst case on top.
      appendFileSync(path, '{"op":"add","taskId":"torn","wat');
      const s = await openStore(path);
      const live = new Set(ids(s));
      // Every change acknowledged as flushed is there: odd ids added, even ids added then deleted.
      for (let i = 0; i < acknowledged; i++) expect(live.has(`t-${i}`)).toBe(i % 2 === 1);
      // Nothing beyond the batch in flight at the kill (50 adds per batch).
      for (const id of live) expect(Number(id.slice(2))).toBeLessThan(acknowledged + 50);
      expect(live.has('torn')).toBe(false);
    });
  }
});
