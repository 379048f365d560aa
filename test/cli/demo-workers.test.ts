import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTasks } from '../../src/cli/demo-tasks.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { DEMO_LEASE_MS } from '../../src/cli/fleet/protocol.js';
import { until } from '../fleet/helpers.js';
import { RedisProxy, RedisServer } from '../helpers/redis-server.js';
import { jsonLines, type JsonEvent } from './helpers.js';

// Built from the current sources by the `dist` project's globalSetup (test/build-dist.ts).
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/main.js');

interface BinRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built bin; `onLine` sees each stdout line as it comes, with the child, to act mid-run. */
function runBin(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; bin?: string; onLine?: (line: string, child: ChildProcess) => void } = {},
): Promise<BinRun> {
  const child = spawn(process.execPath, [options.bin ?? BIN, ...args], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine?.(line, child);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface FleetLine {
  readonly workers: readonly { readonly worker: string; readonly pid: number }[];
  readonly redis: { readonly kind: string; readonly pid?: number; readonly socket?: string; readonly prefix?: string; readonly url?: string };
}

interface WorkerSummary {
  readonly worker: string;
  readonly polls: number;
  readonly results: number;
  readonly foundHere: number;
  readonly state: string;
}

function fleetOf(events: readonly JsonEvent[]): FleetLine {
  const fleet = events[0];
  expect(fleet).toMatchObject({ type: 'fleet' });
  return fleet as unknown as FleetLine;
}

function workersOf(summary: JsonEvent | undefined): WorkerSummary[] {
  return (summary?.['workers'] ?? []) as WorkerSummary[];
}

/** Nothing of the run is left: no worker, no redis-server, no socket directory. */
function expectNothingLeft(fleet: FleetLine): void {
  for (const w of fleet.workers) expect(gone(w.pid), `${w.worker} (pid ${w.pid})`).toBe(true);
  if (fleet.redis.kind === 'private') {
    expect(gone(fleet.redis.pid ?? 0), 'redis-server').toBe(true);
    expect(existsSync(dirname(fleet.redis.socket ?? '/nonexistent/x'))).toBe(false);
  }
}

/** A seed whose tasks at --speed 10 include a failure, and a long one (so that the run goes on after the first result). */
function seedFor(tasks: number): number {
  const seed = [...Array(100).keys()].find((s) => {
    const specs = demoTasks(tasks, s, 10);
    return specs.some((t) => t.outcome !== 'SUCCESS') && specs.some((t) => t.outcome === 'SUCCESS') && Math.max(...specs.map((t) => t.durationMs)) >= 1_500;
  });
  if (seed === undefined) throw new Error('no suitable seed');
  return seed;
}

describe('kie-watch demo --workers N (private redis-server)', () => {
  it('forks N workers that each receive every result, polls counted per worker, 0 violations, exit 0, nothing left behind', async () => {
    const seed = seedFor(6);
    const run = await runBin(['demo', '--workers', '3', '--tasks', '6', '--seed', String(seed), '--speed', '10', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    const fleet = fleetOf(events);
    expect(fleet.workers.map((w) => w.worker)).toEqual(['w1', 'w2', 'w3']);
    expect(fleet.redis).toMatchObject({ kind: 'private', socket: expect.stringMatching(/redis\.sock$/) as unknown });

    const summary = events.at(-1);
    expect(summary).toMatchObject({ type: 'summary', tasks: 6, timedOut: 0, interrupted: 0, violations: 0, exitCode: 0, results: { received: 18, expected: 18 } });
    const workers = workersOf(summary);
    expect(workers.map((w) => [w.worker, w.results, w.state])).toEqual([
      ['w1', 6, 'closed'],
      ['w2', 6, 'closed'],
      ['w3', 6, 'closed'],
    ]);
    // Every request the simulator counted was sent by one of the workers, and each task's final answer was
    // found by exactly one worker's poll: the others received it through Redis.
    expect(workers.reduce((n, w) => n + w.polls, 0)).toBe(summary?.['requests']);
    expect(workers.reduce((n, w) => n + w.foundHere, 0)).toBe(6);

    const tasks = events.filter((e) => e.type === 'task');
    expect(tasks).toHaveLength(6);
    for (const t of tasks) expect(t).toMatchObject({ workers: 3, ending: expect.stringMatching(/^(SUCCESS|KIE_TASK_FAILED)$/) as unknown });
    const scriptedFailures = demoTasks(6, seed, 10).filter((t) => t.outcome !== 'SUCCESS').length;
    expect(tasks.filter((t) => t['ending'] === 'KIE_TASK_FAILED')).toHaveLength(scriptedFailures);
    expect(run.stderr).toContain('every worker settled every task as scripted');
    expectNothingLeft(fleet);
  });

  it('prints plain lines and a table per worker when stdout is not a terminal', async () => {
    const run = await runBin(['demo', '--workers', '2', '--tasks', '3', '--seed', String(seedFor(3)), '--speed', '10']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('\x1b[');
    expect(run.stdout).toMatch(/^watching 3 tasks with 2 workers: w1 \(pid \d+\), w2 \(pid \d+\)$/m);
    expect(run.stdout).toMatch(/^ +\d+\.\ds {2}sim-\S+ {2}(SUCCESS|FAILED) {2}polled by w\d ×\d+(, w\d ×\d+)?; in both workers within \d+ ms$/m);
    expect(run.stdout).toContain("every worker received every task's result: 6 of 6\nworker  pid");
    expect(run.stdout).toMatch(/^w1 +\d+ +\d+ +3\/3 +\d+$/m);
    expect(run.stdout).toContain('0 rate-limit violations counted by the simulator');
    expect(run.stderr).toMatch(/redis-server \d+\.\d+\.\d+ \(pid \d+\) on \S+redis\.sock, private to this run/);
  });

  it('--kill-one: the last worker dies by SIGKILL holding a claim, another takes that task over once the lease lapses, the others settle everything', async () => {
    const run = await runBin(['demo', '--workers', '3', '--tasks', '6', '--seed', String(seedFor(6)), '--speed', '10', '--policy', 'fastest', '--kill-one', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    const killed = events.find((e) => e.type === 'killed');
    expect(killed).toMatchObject({ worker: 'w3', taskId: expect.stringMatching(/^sim-/) as unknown });
    const takeover = events.find((e) => e.type === 'takeover');
    expect(takeover).toMatchObject({ taskId: killed?.['taskId'], from: 'w3', by: expect.stringMatching(/^w[12]$/) as unknown });
    // The claim lapses a lease after it was taken, which was just before the kill.
    expect(takeover?.['afterMs']).toBeGreaterThanOrEqual(DEMO_LEASE_MS - 500);

    const summary = events.at(-1);
    expect(summary).toMatchObject({ type: 'summary', violations: 0, exitCode: 0, interrupted: 0, results: { received: 12, expected: 12 } });
    expect(workersOf(summary).map((w) => [w.worker, w.state])).toEqual([
      ['w1', 'closed'],
      ['w2', 'closed'],
      ['w3', 'killed'],
    ]);
    expect(workersOf(summary).filter((w) => w.state === 'closed').every((w) => w.results === 6)).toBe(true);
    expectNothingLeft(fleetOf(events));
  });

  it('stops workers and redis-server on SIGTERM mid-run: exit 143, a summary of interrupted tasks, no orphans', async () => {
    let fleet: FleetLine | undefined;
    const run = await runBin(['demo', '--workers', '3', '--tasks', '4', '--json'], {
      onLine: (line, child) => {
        const event = JSON.parse(line) as JsonEvent;
        // The tasks last 3 s or more at speed 1: every worker is waiting and polling when this arrives.
        if (event.type === 'fleet') {
          fleet = event as unknown as FleetLine;
          child.kill('SIGTERM');
        }
      },
    });
    expect(run.code).toBe(EXIT.terminated);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'summary', tasks: 4, interrupted: 4, exitCode: 143 });
    expect(fleet).toBeDefined();
    if (fleet) expectNothingLeft(fleet);
  });
});

describe('kie-watch demo --workers N after a kill -9 of kie-watch itself', () => {
  it('leaves no worker and no redis-server: the workers notice their parent is gone, and stop the private server', async () => {
    let fleet: FleetLine | undefined;
    const run = await runBin(['demo', '--workers', '2', '--tasks', '4', '--json'], {
      onLine: (line, child) => {
        const event = JSON.parse(line) as JsonEvent;
        if (event.type !== 'fleet') return;
        fleet = event as unknown as FleetLine;
        child.kill('SIGKILL');
      },
    });
    expect(run.signal).toBe('SIGKILL');
    if (!fleet) throw new Error('no fleet line');
    const pids = [...fleet.workers.map((w) => w.pid), fleet.redis.pid ?? 0];
    const dir = dirname(fleet.redis.socket ?? '/nonexistent/x');
    // The processes waited for are the bin's children, not this test's: only polling can tell when they are gone.
    expect(await until(() => pids.every(gone) && !existsSync(dir), 15_000), `left: ${pids.filter((p) => !gone(p)).join(', ')}`).toBe(true);
  });
});

describe('kie-watch demo --workers N without a Redis', () => {
  it('exits 3 and says how to get one when no redis-server or valkey-server is on PATH', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kie-no-redis-'));
    try {
      const run = await runBin(['demo', '--workers', '4'], { env: { ...process.env, PATH: empty } });
      expect(run.code).toBe(EXIT.needsRedis);
      expect(run.stdout).toBe('');
      for (const text of ['no redis-server or valkey-server on PATH', 'sudo apt-get install -y redis-server', 'brew install redis', 'kie-watch demo --workers 4 --redis redis://host:6379']) {
        expect(run.stderr).toContain(text);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('kie-watch demo --workers N --redis URL (a Redis of the user\'s)', () => {
  let server: RedisServer;
  let proxy: RedisProxy;
  beforeAll(async () => {
    server = await RedisServer.start();
    proxy = await RedisProxy.start(server.socket);
  });
  afterAll(async () => {
    await proxy.close();
    await server.stop();
  });

  it('uses a prefix of its own, removes exactly its keys at the end, and leaves every other key alone', async () => {
    const admin = server.client();
    await admin.set('user:precious', 'do not touch');
    // A key of another kie-watcher fleet on the same Redis, under the default prefix.
    await admin.hset('kie:{k0123456789ab}:t:_4:sim-x', 'w', '1');
    const password = 'demo-redis-password-7c1f';
    await admin.config('SET', 'requirepass', password);
    try {
      const run = await runBin(['demo', '--workers', '2', '--tasks', '3', '--seed', String(seedFor(3)), '--speed', '10', '--redis', proxy.url, '--json'], {
        env: { ...process.env, REDISCLI_AUTH: password },
      });
      expect(run.code, run.stderr).toBe(0);
      const events = jsonLines(run.stdout);
      const fleet = fleetOf(events);
      expect(fleet.redis).toMatchObject({ kind: 'external', url: proxy.url, prefix: expect.stringMatching(/^kie-demo-[0-9a-f]{8}$/) as unknown });
      expect(events.at(-1)).toMatchObject({ type: 'summary', violations: 0, exitCode: 0, results: { received: 6, expected: 6 } });
      const removed = new RegExp(`removed this run's (\\d+) keys \\(${fleet.redis.prefix ?? ''}:\\*\\)`).exec(run.stderr);
      expect(Number(removed?.[1])).toBeGreaterThan(0);
      expect(`${run.stdout}${run.stderr}`).not.toContain(password);

      expect((await admin.keys('*')).sort()).toEqual(['kie:{k0123456789ab}:t:_4:sim-x', 'user:precious']);
      expect(await admin.get('user:precious')).toBe('do not touch');
      expect(await admin.hgetall('kie:{k0123456789ab}:t:_4:sim-x')).toEqual({ w: '1' });
      expectNothingLeft(fleet);
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('exits 3 naming the Redis when it does not answer', async () => {
    const run = await runBin(['demo', '--workers', '2', '--redis', 'redis://127.0.0.1:1']);
    expect(run.code).toBe(EXIT.needsRedis);
    expect(run.stderr).toContain('cannot use the Redis at redis://127.0.0.1:1: connect ECONNREFUSED');
  });
});

describe('kie-watch demo --workers N from an installed package', () => {
  let dir = '';
  const pkg = (): string => join(dir, 'node_modules/kie-watcher');
  const link = (name: string): void => symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name), 'dir');

  beforeAll(() => {
    // The layout npm gives a project that installed kie-watcher without its optional peer: dist/ and
    // package.json in node_modules/kie-watcher, the runtime dependencies beside it, a bin link in .bin.
    dir = mkdtempSync(join(tmpdir(), 'kie-installed-'));
    mkdirSync(pkg(), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(pkg(), 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg(), 'package.json'));
    for (const dep of ['pino', 'undici', 'zod']) link(dep);
    mkdirSync(join(dir, 'node_modules/.bin'));
    symlinkSync('../kie-watcher/dist/cli/main.js', join(dir, 'node_modules/.bin/kie-watch'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says to install ioredis, with exit code 3 and no stack trace, when it is missing', async () => {
    const run = await runBin(['demo', '--workers', '3'], { bin: join(dir, 'node_modules/.bin/kie-watch') });
    expect(run.code).toBe(EXIT.needsRedis);
    expect(run.stderr).toContain('npm install ioredis');
    expect(run.stderr).toContain('npx -p kie-watcher -p ioredis kie-watch demo --workers 3');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // The plain demo never needed it.
    const plain = await runBin(['demo', '--tasks', '1', '--speed', '10', '--json'], { bin: join(dir, 'node_modules/.bin/kie-watch') });
    expect(jsonLines(plain.stdout).at(-1)).toMatchObject({ type: 'summary', violations: 0 });
  });

  it('forks its workers from the installed bin (reached through the .bin link) once ioredis is there', async () => {
    link('ioredis');
    const commands: string[] = [];
    const run = await runBin(['demo', '--workers', '2', '--tasks', '2', '--seed', String(seedFor(2)), '--speed', '10', '--json'], {
      bin: join(dir, 'node_modules/.bin/kie-watch'),
      onLine: (line) => {
        const event = JSON.parse(line) as JsonEvent;
        if (event.type !== 'fleet') return;
        for (const w of (event as unknown as FleetLine).workers) commands.push(execFileSync('ps', ['-o', 'args=', '-p', String(w.pid)], { encoding: 'utf8' }).trim());
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(commands).toHaveLength(2);
    for (const command of commands) expect(command).toContain(join(realpathSync(pkg()), 'dist/cli/main.js'));
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'summary', violations: 0, results: { received: 4, expected: 4 } });
  });
});
