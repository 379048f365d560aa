import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startSimulator, type KieSimulator } from '../../dist/simulator/index.js';

const DIST = resolve(import.meta.dirname, '../../dist/index.js');
const KEY = 'kill-canary-key';
let sim: KieSimulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a download killed with SIGKILL mid-body leaves no file under its final name (the installed build, in a child process)', async () => {
  // Every body stops halfway for 20 s: the child is killed while it holds half a file.
  sim = await startSimulator({ apiKey: KEY, files: { slowBody: 1, slowBodyMs: 20_000 } });
  const [taskId] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', progressSteps: 0, resultUrls: ['https://example.invalid/k/0.png'], taskId: 'killed-1' }]);
  dir = await mkdtemp(join(tmpdir(), 'kie-kill-'));
  const script = `
    import { TaskWatcher } from ${JSON.stringify(DIST)};
    const w = new TaskWatcher({ apiKey: ${JSON.stringify(KEY)}, baseUrl: ${JSON.stringify(sim.url)} });
    await w.waitForCompletion(${JSON.stringify(taskId)}, { download: { dir: ${JSON.stringify(dir)} } });
    console.log('finished');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // Wait for the half-written temporary file, then kill.
  let names: string[] = [];
  for (let i = 0; i < 200 && !names.some((n) => n.endsWith('.part')); i++) {
    await new Promise((r) => setTimeout(r, 50));
    names = await readdir(dir);
  }
  expect(names.filter((n) => n.endsWith('.part')), out).toHaveLength(1);
  expect(sim.fileStats().slowed).toBe(1);
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  const [, signal] = (await exited) as [number | null, string | null];
  expect(signal).toBe('SIGKILL');
  const after = await readdir(dir);
  expect(after).not.toContain('killed-1-0.png');
  expect(after.every((n) => n.startsWith('.killed-1-0.png.') && n.endsWith('.part'))).toBe(true);
  expect(out).not.toContain('finished');
});
