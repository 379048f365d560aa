import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sink } from '../../src/cli/io.js';
import { REDRAW_MS, renderFrame, TtyReporter, type Row } from '../../src/cli/tty.js';
import { TaskFailedError, WatchTimeoutError } from '../../src/index.js';
import { capture, failedRecord, runCli, watched } from './helpers.js';


const ESC = '\x1b';

function rows(n: number, state: Row['state'] = 'running'): Row[] {
  return Array.from({ length: n }, (_, i) => ({ taskId: `task-${i}`, progress: i / n, status: 'GENERATING', state, endedAt: null }));
}

const base = { now: 5_000, startedAt: 0, columns: 100, maxLines: 50, color: false, requests: 12 };

describe('renderFrame', () => {
  it('draws a header and one line per task with a bar, percent, status and elapsed time', () => {
    const lines = renderFrame([{ taskId: 'abc', progress: 0.5, status: 'GENERATING', state: 'running', endedAt: null }], base);
    expect(lines[0]).toContain('0/1 finished');
    expect(lines[0]).toContain('12 requests');
    expect(lines[1]).toMatch(/abc\s+█{10}░{10}\s+50%\s+GENERATING\s+5\.0s$/);
  });

  it('never draws a line wider than the terminal, so the cursor arithmetic holds', () => {
    const lines = renderFrame([{ taskId: 'x'.repeat(120), progress: 1, status: 'A_VERY_LONG_UNDOCUMENTED_STATUS', state: 'succeeded', endedAt: 4_000 }], { ...base, columns: 40 });
    for (const line of lines) expect([...line].length).toBeLessThan(40);
  });

  it('counts interrupted tasks as not finished in the header', () => {
    const all = [...rows(2, 'succeeded'), { taskId: 'bad', progress: 0, status: 'GENERATE_FAILED', state: 'failed' as const, endedAt: 1 }, ...rows(2, 'interrupted')];
    const [head] = renderFrame(all, base);
    expect(head).toContain('3/5 finished');
    expect(head).toContain('- 2');
  });

  it('says "1 request", not "1 requests"', () => {
    expect(renderFrame(rows(1), { ...base, requests: 1 })[0]).toMatch(/ 1 request /);
  });

  it('keeps the status and the time visible at 50 columns by dropping the bar and shortening the id', () => {
    const all: Row[] = [
      { taskId: 'sim-3888fca3631f7f137a01fca3', progress: 0.49, status: 'GENERATING', state: 'running', endedAt: null },
      { taskId: 'sim-eff7b6db38b7ee5f5ac2b1de', progress: 0.41, status: 'CREATE_TASK_FAILED', state: 'failed', endedAt: 3_500 },
    ];
    const lines = renderFrame(all, { ...base, columns: 50 });
    for (const line of lines) expect([...line].length).toBeLessThan(50);
    expect(lines[1]).toMatch(/49%\s+GENERATING\s+5\.0s$/);
    expect(lines[2]).toMatch(/41%\s+CREATE_TASK_FAILED\s+3\.5s$/);
    expect(lines.join('\n')).not.toContain('█');
    // Wide enough again, the bar comes back.
    expect(renderFrame(all, { ...base, columns: 100 }).join('\n')).toContain('█');
  });

  it('shows why a running task is not moving in place of its status', () => {
    const lines = renderFrame([{ taskId: 'abc', progress: 0, status: 'WAITING', state: 'running', endedAt: null, note: 'retry ECONNREFUSED' }], base);
    expect(lines[1]).toMatch(/0%\s+retry ECONNREFUSED\s+5\.0s$/);
  });

  it('adds an aligned family column when rows carry one, and gives it up before status and time on a narrow terminal', () => {
    const mixed: Row[] = [
      { taskId: 'sim-3888fca3631f7f137a01fca3', family: 'suno', progress: 0, status: 'FIRST_SUCCESS', state: 'running', endedAt: null },
      { taskId: 'sim-eff7b6db38b7ee5f5ac2b1de', family: 'flux-kontext', progress: 1, status: 'SUCCESS', state: 'succeeded', endedAt: 3_500 },
    ];
    const lines = renderFrame(mixed, base);
    expect(lines[1]).toMatch(/^. sim-3888fca3631f7f137a01fca3 suno {9}░{20} +0% {2}FIRST_SUCCESS +5\.0s$/);
    expect(lines[2]).toMatch(/^✔ sim-eff7b6db38b7ee5f5ac2b1de flux-kontext █{20} 100% {2}SUCCESS +3\.5s$/);
    for (const columns of [70, 60, 50, 40]) {
      const narrow = renderFrame(mixed, { ...base, columns });
      for (const line of narrow) expect([...line].length).toBeLessThan(columns);
      expect(narrow[1], `${columns} columns`).toMatch(/ +0% {2}FIRST_SUCCESS +5\.0s$/);
      // The family stays while the id can shrink to make room for it; below that it goes.
      expect(narrow[1]?.includes(' suno '), `${columns} columns`).toBe(columns >= 60);
    }
    // Without families, no column.
    expect(renderFrame(mixed.map(({ family: _family, ...r }) => r), base)[1]).toMatch(/^. sim-3888fca3631f7f137a01fca3 ░{20}/);
  });

  it('folds tasks that do not fit into one line, keeping running and failed tasks visible', () => {
    const all = [...rows(10, 'succeeded'), { taskId: 'bad', progress: 0, status: 'GENERATE_FAILED', state: 'failed' as const, endedAt: 1 }, ...rows(2)];
    const lines = renderFrame(all, { ...base, maxLines: 6 });
    expect(lines).toHaveLength(6);
    expect(lines.join('\n')).toContain('bad');
    expect(lines.at(-1)).toContain('9 more');
  });
});

describe('TtyReporter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws in place at most 10 times a second and gives the cursor back at the end', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const out: Sink = { write: (t) => void writes.push(t) };
    const err: Sink = { write: () => undefined };
    const reporter = new TtyReporter(out, err, { screen: { columns: 100, rows: 40 }, color: false, now: () => Date.now() });
    reporter.start(watched(['a', 'b']));
    for (let i = 0; i < 100; i++) {
      reporter.progress('a', i / 100, 'GENERATING');
      vi.advanceTimersByTime(10);
    }
    const frames = writes.filter((w) => w.includes(`${ESC}[2K`));
    // 1 s of activity: the first frame plus one per REDRAW_MS.
    expect(frames.length).toBeLessThanOrEqual(1 + 1000 / REDRAW_MS);
    expect(frames.slice(1).every((f) => f.startsWith(`${ESC}[3A\r`))).toBe(true);
    expect(writes[0]).toBe(`${ESC}[?25l`);
    reporter.finish({ tasks: 2, succeeded: 0, failed: 0, timedOut: 0, interrupted: 2, requests: 0, retries: 0, rateLimited: 0, wallMs: 1000, exitCode: 130 });
    expect(writes.join('')).toContain(`${ESC}[?25h`);
    vi.advanceTimersByTime(1000);
    expect(writes.filter((w) => w.includes(`${ESC}[2K`))).toHaveLength(frames.length + 1);
  });

  it('is used for a TTY stdout, and holds failure details until the view is gone', async () => {
    const stdout = capture({ columns: 90, rows: 30 });
    const stderr = capture();
    const { run } = await import('../../src/cli/run.js');
    const code = await run(['demo', '--tasks', '4', '--seed', '3', '--speed', '10', '--policy', 'fastest'], { stdout, stderr, env: { NO_COLOR: '1' } });
    const text = stdout.text();
    expect(text).toContain(`${ESC}[?25l`);
    expect(text).toContain(`${ESC}[?25h`);
    expect(text).toMatch(/4\/4 finished/);
    expect(text).toContain('rate-limit violations counted by the simulator');
    expect(code === 0 || code === 1).toBe(true);
  });

  it('shows the last retry reason of a waiting task, and says at the deadline why it timed out', () => {
    vi.useFakeTimers();
    const writes: string[] = [];
    const held: string[] = [];
    const reporter = new TtyReporter({ write: (t) => void writes.push(t) }, { write: (t) => void held.push(t) }, {
      screen: { columns: 100, rows: 40 },
      color: false,
      now: () => Date.now(),
    });
    reporter.start(watched(['t-dead']));
    reporter.retry({ taskId: 't-dead', family: 'gpt4o-image', attempt: 3, delayMs: 4000, reason: 'ECONNREFUSED' });
    vi.advanceTimersByTime(REDRAW_MS);
    expect(writes.at(-1)).toMatch(/0%\s+retry ECONNREFUSED/);
    vi.advanceTimersByTime(2_000);
    reporter.timeout('t-dead', new WatchTimeoutError('t-dead', 2_100, { lastStatus: null, lastProgress: null }));
    reporter.finish({ tasks: 1, succeeded: 0, failed: 0, timedOut: 1, interrupted: 0, requests: 4, retries: 3, rateLimited: 0, wallMs: 2_100, exitCode: 1 });
    const message = held.join('');
    expect(message).toContain('t-dead: timed out after 2.1s (no record seen yet)');
    expect(message).toContain('last retry at 0.0s: #3 ECONNREFUSED');
    // Said once, at the front of the line.
    expect(message.split('t-dead')).toHaveLength(2);
  });

  it('against a dead --base-url, shows the connection error while waiting and names it at the deadline', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const stdout = capture({ columns: 100, rows: 30 });
    const stderr = capture();
    const { run } = await import('../../src/cli/run.js');
    const code = await run(['watch', 'task-1', '--base-url', `http://127.0.0.1:${port}`, '--timeout', '1.5'], {
      stdout,
      stderr,
      env: { NO_COLOR: '1', KIE_API_KEY: 'k-1234567890' },
    });
    expect(code).toBe(1);
    expect(stdout.text()).toMatch(/0%\s+retry ECONNREFUSED/);
    expect(stderr.text()).toMatch(/^task-1: timed out after 1\.5s \(no record seen yet\).*; last retry at \d+\.\ds: #\d+ ECONNREFUSED$/m);
  });

  it('names each task\'s family only when several families are watched', () => {
    vi.useFakeTimers();
    const draw = (tasks: Parameters<TtyReporter['start']>[0]): string => {
      const writes: string[] = [];
      const reporter = new TtyReporter({ write: (t) => void writes.push(t) }, { write: () => undefined }, { screen: { columns: 100, rows: 40 }, color: false, now: () => Date.now() });
      reporter.start(tasks);
      reporter.progress('a', 0.1, null);
      vi.advanceTimersByTime(REDRAW_MS);
      reporter.finish({ tasks: 2, succeeded: 0, failed: 0, timedOut: 0, interrupted: 2, requests: 0, retries: 0, rateLimited: 0, wallMs: 1, exitCode: 130 });
      return writes.join('');
    };
    const mixed = draw([{ taskId: 'a', family: 'luma' }, { taskId: 'b', family: 'market' }]);
    expect(mixed).toMatch(/ a +luma +█{2}░{18} +10% {2}running /);
    expect(mixed).toMatch(/ b +market +░{20}/);
    const single = draw(watched(['a', 'b'], 'luma'));
    expect(single).not.toContain('luma');
    expect(single).toMatch(/ a +█{2}░{18} +10% {2}running /);
  });

  it('prints a failure once per line, without repeating the task id', () => {
    const held: string[] = [];
    const reporter = new TtyReporter({ write: () => undefined }, { write: (t) => void held.push(t) }, { screen: { columns: 100, rows: 40 }, color: false });
    reporter.start(watched(['sim-X']));
    reporter.failed('sim-X', new TaskFailedError(failedRecord('sim-X', 'CREATE_TASK_FAILED')));
    reporter.finish({ tasks: 1, succeeded: 0, failed: 1, timedOut: 0, interrupted: 0, requests: 1, retries: 0, rateLimited: 0, wallMs: 1, exitCode: 1 });
    expect(held.join('')).toBe('sim-X: CREATE_TASK_FAILED (errorCode 400): content policy\n');
  });

  it('is not used with --verbose, where logs share the terminal', async () => {
    const result = await runCli(['demo', '--tasks', '1', '--seed', '3', '--speed', '10', '--verbose', '--policy', 'fastest']);
    expect(result.stdout).not.toContain(ESC);
    expect(result.stderr).toContain('"level":20');
  });
});
