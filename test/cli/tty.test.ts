import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sink } from '../../src/cli/io.js';
import { REDRAW_MS, renderFrame, TtyReporter, type Row } from '../../src/cli/tty.js';
import { capture, runCli } from './helpers.js';

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
    reporter.start(['a', 'b']);
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

  it('is not used with --verbose, where logs share the terminal', async () => {
    const result = await runCli(['demo', '--tasks', '1', '--seed', '3', '--speed', '10', '--verbose', '--policy', 'fastest']);
    expect(result.stdout).not.toContain(ESC);
    expect(result.stderr).toContain('"level":20');
  });
});
