import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { bundle } from '../helpers/bundle.js';

// One process, no Redis: a file-backed pending set, the process killed with kill -9, a new process resumes.

let script = '';
let sim: KieSimulator;
let dir = '';
beforeAll(async () => {
  script = await bundle('test/e2e/fixtures/file-store-worker.ts');
  sim = await startSimulator({ apiKey: 'k' });
  dir = mkdtempSync(join(tmpdir(), 'kie-file-store-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(script, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

function start(config: object): { messages: { type: string; [k: string]: unknown }[]; proc: ReturnType<typeof fork> } {
  const proc = fork(script, [], { env: { ...process.env, FILE_STORE_WORKER: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: { type: string; [k: string]: unknown }[] = [];
  proc.on('message', (m: { type: string }) => messages.push(m));
  return { messages, proc };
}

const until = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

describe('a single process with a FilePendingTaskStore', () => {
  it('kill -9 loses no watched task: the next process resumes every one and hears each end', async () => {
    const ids = sim.addTasks(Array.from({ length: 12 }, (_, i) => ({ durationMs: 3_000 + i * 100, outcome: 'SUCCESS' as const })));
    const file = join(dir, 'pending.jsonl');
    const first = start({ file, simulator: sim.url, mode: 'watch', ids });
    expect(await until(() => first.messages.some((m) => m.type === 'watching'), 10_000)).toBe(true);
    first.proc.kill('SIGKILL');
    await new Promise((r) => first.proc.once('exit', r));
    const second = start({ file, simulator: sim.url, mode: 'resume', ids });
    expect(await until(() => second.messages.some((m) => m.type === 'idle'), 20_000)).toBe(true);
    expect(second.messages.find((m) => m.type === 'resumed')?.['count']).toBe(ids.length);
    expect(new Set(second.messages.filter((m) => m.type === 'completed').map((m) => m['taskId']))).toEqual(new Set(ids));
    // Once each settled, the store forgot it: nothing is left to resume.
    expect(second.messages.find((m) => m.type === 'idle')?.['left']).toBe(0);
    expect(sim.stats().violations).toBe(0);
  }, 40_000);
});
