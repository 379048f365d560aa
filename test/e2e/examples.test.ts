import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

// The docs point at these files; running them keeps the docs' examples honest.
describe('examples from the docs run as written (against the built package)', () => {
  it.each([
    ['wait.mjs', /done: \[ 'https:\/\/example\.invalid\//],
    ['events.mjs', /completed: \d+,\s+failed: \d+/],
    ['policy.mjs', /^SUCCESS after \d+ requests$/m],
  ])('%s', async (file, expected) => {
    expect(existsSync(resolve(root, 'dist/index.js')), 'run `npm run build` first (npm test does)').toBe(true);
    const { stdout } = await exec('node', [resolve(root, 'examples', file)], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(expected);
  });

  it('callbacks-http.mjs ends each task with the poll at once and the one its callback asked for', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/callbacks-http.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^sim-\w+: SUCCESS https:\/\/example\.invalid\/\S+ after 2 requests$/m);
    expect(stdout).toMatch(/^sim-\w+: KIE_TASK_FAILED after 2 requests: /m);
    // Duplicate deliveries are replays the handler ignores: two tasks, four record-info requests in all.
    expect(stdout).toMatch(/record-info requests: 4$/m);
  });

  it('callbacks-express.mjs: the callback reaches the watcher through an Express route', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/callbacks-express.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/confirmed by polling: SUCCESS https:\/\/example\.invalid\/\S+ after 2 requests$/m);
  });

  it('callbacks-nextjs.mjs: the App Router route (its POST export) reads each callback once and pokes the watcher', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/callbacks-nextjs.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^sim-\w+: called back through the Next\.js route, confirmed by polling: SUCCESS https:\/\/example\.invalid\/\S+ after 2 requests$/m);
    expect(stdout).toMatch(/^callback deliveries answered 200: [1-9]\d*$/m);
  });

  it('callbacks-hono.mjs: a Hono app receives the callbacks; each task ends with the poll at once and the one its callback asked for', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/callbacks-hono.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^sim-\w+: called back through Hono, confirmed by polling: SUCCESS https:\/\/example\.invalid\/\S+ after 2 requests$/m);
    expect(stdout).toMatch(/^sim-\w+: KIE_TASK_FAILED after 2 requests$/m);
  });

  it('sharding.mjs: three workers that each watch their shard of shared taskIds stay within the per-task limit', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/sharding.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^every worker watches every task: \d+ requests, \d+ over the per-task limit$/m);
    expect(stdout).toMatch(/^each task on one worker \(sha256 % 3\): \d+ requests, 0 over the per-task limit$/m);
  });

  it('metrics-prometheus.mjs serves the watcher\'s metrics on /metrics: the request counter and the latency histogram', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/metrics-prometheus.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/^watched 3 tasks: SUCCESS, SUCCESS, KIE_TASK_FAILED$/m);
    expect(stdout).toMatch(/^kie_watcher_poll_requests_total\{kie_watcher_family="gpt4o-image"[^}]*\} [1-9]\d*$/m);
    expect(stdout).toMatch(/^kie_watcher_poll_requests_total\{kie_watcher_family="market"[^}]*\} [1-9]\d*$/m);
    expect(stdout).toMatch(/^kie_watcher_poll_duration_count\{kie_watcher_family="gpt4o-image",kie_watcher_answer_kind="success"[^}]*\} 1$/m);
    expect(stdout).toMatch(/^kie_watcher_poll_duration_sum\{[^}]*\} \d/m);
    expect(stdout).toMatch(/kie_watcher_poll_duration_bucket\{[^}]*le="0\.01"\} \d+/);
    expect(stdout).toMatch(/^kie_watcher_tasks_settled_total\{kie_watcher_family="gpt4o-image",kie_watcher_task_outcome="failed",error_type="KIE_TASK_FAILED"[^}]*\} 1$/m);
    expect(stdout).toMatch(/^kie_watcher_tasks_pending\{[^}]*\} 0$/m);
    expect(stdout).not.toMatch(/sim-[0-9a-f]{24}|demo-key/);
  });

  it('errors.mjs tells all four outcomes apart', async () => {
    const { stdout } = await exec('node', [resolve(root, 'examples/errors.mjs')], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/SUCCESS/);
    expect(stdout).toMatch(/failed: GENERATE_FAILED 400 content policy/);
    expect(stdout).toMatch(/still running after 2000 ms/);
    expect(stdout).toMatch(/aborted by the caller/);
  });

  it('worker.mjs on SIGTERM: drains, reports the tasks still pending, exits 0', async () => {
    const child = spawn(process.execPath, [resolve(root, 'examples/worker.mjs')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const watching = new Promise<string[]>((resolveIds, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const ids = /^worker \d+ watching (\[.*\])$/m.exec(stdout)?.[1];
        if (ids !== undefined) resolveIds(JSON.parse(ids) as string[]);
      });
      child.once('exit', () => reject(new Error(`exited before watching: ${stdout}${stderr}`)));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
    const ids = await watching;
    // Every task is pending now: two finish within the drain, two take ten minutes.
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines[1]).toBe('SIGTERM: no new work; draining for up to 5 s');
    for (const id of ids.slice(0, 2)) expect(lines).toContain(`done ${id} https://example.invalid/${id}/0.png`);
    expect(lines.at(-1)).toBe(`pending at shutdown: ${JSON.stringify(ids.slice(2))}`);
    // The waits that were still out ended with WatcherClosedError, handled: no failure line, no stack.
    expect(stdout).not.toMatch(/failed|Error/);
  }, 30_000);
});
