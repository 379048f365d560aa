import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoTasks } from '../../src/cli/demo-tasks.js';
import type { DashboardSummary } from '../../src/dashboard/index.js';

// `kie-watch demo --workers 4 --dashboard` as a user runs it: the built bin, its private redis-server, the page
// read over loopback while the fleet works.

const BIN = resolve(import.meta.dirname, '../../dist/cli/main.js');
const TASKS = 12;
const SPEED = 4;
/** A seed with failures among its tasks and a task long enough that the run outlasts a few reads of the page. */
const SEED = [...Array(200).keys()].find((s) => {
  const specs = demoTasks(TASKS, s, SPEED);
  return specs.some((t) => t.outcome !== 'SUCCESS') && specs.some((t) => t.durationMs >= 3_000);
});

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('kie-watch demo --workers 4 --dashboard', () => {
  it('serves the fleet page while the workers run (pending follows the fleet, the processes are the workers), keeps it up with the results after the run until Ctrl-C, exits with the run code and leaves nothing', async () => {
    expect(SEED).toBeDefined();
    const child = spawn(process.execPath, [BIN, 'demo', '--workers', '4', '--dashboard', '--tasks', String(TASKS), '--seed', String(SEED), '--speed', String(SPEED), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    try {
      const until = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
        const end = Date.now() + ms;
        while (!ok()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
          await sleep(50);
        }
      };
      await until('the dashboard URL', () => /dashboard at http:\/\/127\.0\.0\.1:\d+\//.test(stderr), 30_000);
      const url = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1] ?? '';
      const read = async (): Promise<DashboardSummary> => (await (await fetch(`${url}api/summary`)).json()) as DashboardSummary;

      // While the fleet works: samples of the page next to the run's own lines.
      const samples: DashboardSummary[] = [];
      while (!stdout.includes('"type":"summary"')) {
        samples.push(await read());
        await sleep(200);
        if (samples.length > 300) throw new Error(`the run did not end; stderr:\n${stderr}`);
      }
      const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const fleet = events[0] as { workers: { worker: string; pid: number }[]; redis: { pid: number; socket: string } };
      const pids = fleet.workers.map((w) => w.pid);
      expect(Math.max(...samples.map((s) => s.pending))).toBeGreaterThan(0);
      expect(Math.max(...samples.map((s) => s.pending))).toBeLessThanOrEqual(TASKS);
      // Each worker shows as a process of the fleet (its owner name carries its pid).
      const seenPids = new Set(samples.flatMap((s) => s.processes.map((p) => Number(p.name.split(':')[1]))));
      for (const pid of pids) expect(seenPids, `worker pid ${pid}`).toContain(pid);
      expect(samples.some((s) => s.pollsPerSecond > 0)).toBe(true);

      // After the run: the page stays up with every task settled as scripted, and nothing pending.
      await until('the run-is-over message', () => stderr.includes('the run is over; its dashboard stays at'), 10_000);
      const failures = demoTasks(TASKS, SEED ?? 0, SPEED).filter((t) => t.outcome !== 'SUCCESS').length;
      let after = await read();
      const end = Date.now() + 3_000;
      while ((after.pending !== 0 || after.settled.completed + after.settled.failed < TASKS) && Date.now() < end) {
        await sleep(200);
        after = await read();
      }
      expect(after.pending).toBe(0);
      expect(after.settled).toEqual({ completed: TASKS - failures, failed: failures, timeout: 0 });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('data-metric="pending"');

      child.kill('SIGINT');
      expect(await exit, stderr).toBe(0);
      expect(events.at(-1)).toMatchObject({ type: 'summary', exitCode: 0 });
      for (const pid of [...pids, fleet.redis.pid]) expect(gone(pid), `pid ${pid}`).toBe(true);
      expect(existsSync(dirname(fleet.redis.socket))).toBe(false);
      await expect(fetch(`${url}api/summary`)).rejects.toThrow();
    } finally {
      // SIGINT: the demo stops what it started (a SIGKILL here would leave that to the guard under test below).
      if (child.exitCode === null) child.kill('SIGINT');
    }
  });

  it('killed with SIGKILL while its page stays up after the run, it leaves no redis-server and no socket directory', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--workers', '2', '--dashboard', '--tasks', '3', '--speed', '20', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exit = new Promise<NodeJS.Signals | null>((r) => child.once('close', (_, signal) => r(signal)));
    try {
      const end = Date.now() + 60_000;
      while (!stderr.includes('the run is over')) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`the run did not end; stderr:\n${stderr}`);
        await sleep(50);
      }
      const fleet = JSON.parse(stdout.split('\n')[0] ?? '{}') as { workers: { pid: number }[]; redis: { pid: number; socket: string } };
      for (const w of fleet.workers) expect(gone(w.pid), `worker ${w.pid}`).toBe(true);
      expect(gone(fleet.redis.pid)).toBe(false);
      child.kill('SIGKILL');
      expect(await exit).toBe('SIGKILL');
      const deadline = Date.now() + 5_000;
      while (!(gone(fleet.redis.pid) && !existsSync(dirname(fleet.redis.socket))) && Date.now() < deadline) await sleep(100);
      expect(gone(fleet.redis.pid), 'redis-server').toBe(true);
      expect(existsSync(dirname(fleet.redis.socket)), 'socket directory').toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('--dashboard without --workers is a usage error (exit 2)', async () => {
    const child = spawn(process.execPath, [BIN, 'demo', '--dashboard'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(code).toBe(2);
    expect(stderr).toContain('--dashboard needs --workers');
  });
});
