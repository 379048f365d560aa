import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type KieSimulator, type KieSimulatorOptions } from '../../src/simulator/index.js';
import { jsonLines } from './helpers.js';

// Built from the current sources by the `dist` project's globalSetup (test/build-dist.ts): real processes
// through the installed bin, against the simulator on a random loopback port.
const BIN = 'dist/cli/main.js';
const KEY = 'gen-bin-canary-key-3e9a71c';
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

const open: KieSimulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function sim(options: KieSimulatorOptions = {}): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: KEY, generate: { minDurationMs: 100, maxDurationMs: 300, failureRate: 0 }, ...options });
  open.push(s);
  return s;
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kie-gen-bin-'));
  dirs.push(d);
  return d;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function bin(args: string[], env: Record<string, string> = { KIE_API_KEY: KEY }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 25_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('kie-watch generate, through the bin against the simulator', () => {
  it('creates one task, saves its files into --out and prints their paths last; exit 0', async () => {
    const s = await sim();
    const out = await tempDir();
    const r = await bin(['generate', '--family', 'gpt4o-image', '--prompt', 'a red fox', '--size', '1:1', '--out', out, '--base-url', s.url, '--policy', 'fastest']);
    expect(r.code, r.stderr).toBe(0);
    const paths = lines(r.stdout).slice(-1);
    expect(paths[0]).toMatch(new RegExp(`^${out}/[\\w-]+-0\\.png$`));
    expect((await readFile(paths[0] as string)).subarray(0, 4)).toEqual(PNG);
    expect(await readdir(out)).toHaveLength(1);
    expect(s.createStats()).toMatchObject({ arrivals: 1, created: 1, billedTwice: 0 });
    expect(r.stderr).toMatch(/creating a gpt4o-image task/);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('takes the input from --input-file, --prompt laid over it, and prints JSON lines with --json', async () => {
    const s = await sim();
    const out = await tempDir();
    const input = join(out, 'input.json');
    await writeFile(input, JSON.stringify({ prompt: 'overridden', nVariants: 2, size: '3:2' }));
    const r = await bin(['generate', '--input-file', input, '--prompt', 'a red fox', '--out', join(out, 'made'), '--base-url', s.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    const files = events.filter((e) => e.type === 'file');
    expect(files).toHaveLength(2);
    expect(events.find((e) => e.type === 'completed')).toMatchObject({ status: 'SUCCESS' });
    expect(events.find((e) => e.type === 'summary')).toMatchObject({ tasks: 1, succeeded: 1, exitCode: 0 });
    for (const f of files) expect(existsSync(f['path'] as string)).toBe(true);
    expect((await readdir(join(out, 'made'))).sort()).toEqual(files.map((f) => (f['path'] as string).split('/').at(-1)).sort());
  });

  it('exits 1 when the task fails, and saves nothing', async () => {
    const s = await sim({ generate: { minDurationMs: 50, maxDurationMs: 100, failureRate: 1 } });
    const out = await tempDir();
    const r = await bin(['generate', '--family', 'veo', '--prompt', 'x', '--out', out, '--base-url', s.url, '--policy', 'fastest']);
    expect(r.code, r.stderr).toBe(1);
    expect(await readdir(out)).toEqual([]);
  });

  it('exits 2 when the account has no credits (nothing created)', async () => {
    const s = await sim({ creation: { credits: 0 } });
    const r = await bin(['generate', '--prompt', 'x', '--out', await tempDir(), '--base-url', s.url]);
    expect(r.code, r.stderr).toBe(2);
    expect(s.createStats().created).toBe(0);
  });

  it('exits 4 on an unknown outcome, prints the submit key to check, and never sends the create twice', async () => {
    const s = await sim({ createFaults: { body500AfterCreate: 1 } });
    const r = await bin(['generate', '--prompt', 'x', '--out', await tempDir(), '--base-url', s.url]);
    expect(r.code, r.stderr).toBe(4);
    const key = /creating a gpt4o-image task \(submit key (kie-watch-[\w-]+)\)/.exec(r.stderr)?.[1];
    expect(key).toBeDefined();
    expect(r.stderr).toContain(`key to check: ${key}`);
    expect(s.createStats()).toMatchObject({ arrivals: 1, created: 1, billedTwice: 0 });
  });

  it('refuses an input the family rejects as a usage error, before any request', async () => {
    const s = await sim();
    const r = await bin(['generate', '--family', 'gpt4o-image', '--prompt', 'x', '--size', '16:9', '--base-url', s.url]);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/kie-watch/g)?.length).toBeGreaterThanOrEqual(1);
    expect(r.stderr).not.toContain('kie-watcher:');
    expect(r.stderr).toContain('usage: kie-watch generate');
    expect(s.createStats().arrivals).toBe(0);
  });
});

describe('kie-watch download and credits, through the bin', () => {
  it('download saves each finished task\'s files and prints their paths', async () => {
    const s = await sim();
    const ids = s.addTasks([
      { durationMs: 0, outcome: 'SUCCESS', progressSteps: 0, family: 'veo' },
      { durationMs: 0, outcome: 'SUCCESS', progressSteps: 0, family: 'veo' },
    ]);
    const out = await tempDir();
    const r = await bin(['download', ...ids, '--family', 'veo', '--out', out, '--base-url', s.url, '--policy', 'fastest']);
    expect(r.code, r.stderr).toBe(0);
    const paths = lines(r.stdout).filter((l) => l.startsWith(out));
    expect(paths.sort()).toEqual(ids.map((id) => join(out, `${id}-0.mp4`)).sort());
    for (const p of paths) expect((await readFile(p)).subarray(4, 8).toString('latin1')).toBe('ftyp');
  });

  it('download exits 1 when the provider refuses the link (the files are past retention)', async () => {
    const s = await sim({ files: { retentionMs: 0 } });
    const [id] = s.addTasks([{ durationMs: 0, outcome: 'SUCCESS', progressSteps: 0 }]);
    const out = await tempDir();
    const r = await bin(['download', id as string, '--out', out, '--base-url', s.url, '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(jsonLines(r.stdout).find((e) => e.type === 'failed')).toMatchObject({ taskId: id, error: { code: 'KIE_DOWNLOAD_FAILED' } });
    expect(await readdir(out)).toEqual([]);
  });

  it('credits prints the balance; a wrong key exits 2', async () => {
    const s = await sim({ creation: { credits: 1234 } });
    const r = await bin(['credits', '--base-url', s.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1234\n');
    const json = await bin(['credits', '--base-url', s.url, '--json']);
    expect(jsonLines(json.stdout)).toEqual([{ type: 'credits', credits: 1234 }]);
    const wrong = await bin(['credits', '--base-url', s.url], { KIE_API_KEY: 'wrong-key-abcdef' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).not.toContain('wrong-key-abcdef');
  });
});

describe('the CLI\'s own suggestions are values it accepts', () => {
  it('--policy 100 names the shortest interval allowed, with one prefix and the usage line; that value is then accepted', async () => {
    const s = await sim();
    const [id] = s.addTasks([{ durationMs: 0, outcome: 'SUCCESS', progressSteps: 0 }]);
    const refused = await bin(['watch', id as string, '--base-url', s.url, '--policy', '100']);
    expect(refused.code).toBe(2);
    const first = lines(refused.stderr)[0] ?? '';
    expect(first).toMatch(/^kie-watch: option `policy.intervalMs` must be at least [\d.]+ ms/);
    expect(refused.stderr).not.toContain('kie-watcher:');
    expect(lines(refused.stderr)[1]).toMatch(/^usage: kie-watch \[watch\]/);
    const suggested = /at least ([\d.]+) ms/.exec(first)?.[1] as string;
    const accepted = await bin(['watch', id as string, '--base-url', s.url, '--policy', suggested]);
    expect(accepted.code, accepted.stderr).toBe(0);
    const demo = await bin(['demo', '--policy', '100', '--tasks', '1'], {});
    expect(demo.code).toBe(2);
    expect(lines(demo.stderr)[0]).toMatch(/^kie-watch: option `policy.intervalMs`/);
    expect(lines(demo.stderr)[1]).toMatch(/^usage: kie-watch demo/);
  });
});

describe('kie-watch demo creates and saves', () => {
  it('names the temporary folder, saves real files there, and removes it unless --keep', async () => {
    const removed = await bin(['demo', '--tasks', '2', '--speed', '10', '--seed', '3', '--json'], {});
    const named = /saving their files into (\S+)/.exec(removed.stderr)?.[1] as string;
    expect(named).toBeDefined();
    expect(jsonLines(removed.stdout).filter((e) => e.type === 'file')).toHaveLength(4);
    expect(existsSync(named)).toBe(false);
    const kept = await bin(['demo', '--tasks', '2', '--speed', '10', '--seed', '3', '--json', '--keep'], {});
    const dir = /saving their files into (\S+)/.exec(kept.stderr)?.[1] as string;
    dirs.push(dir);
    const files = jsonLines(kept.stdout).filter((e) => e.type === 'file');
    expect((await readdir(dir)).sort()).toEqual(files.map((f) => (f['path'] as string).split('/').at(-1)).sort());
    expect((await readFile(files[0]?.['path'] as string)).subarray(0, 4)).toEqual(PNG);
  });
});

