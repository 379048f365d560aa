import { describe, expect, it } from 'vitest';
import { JsonLinesReporter } from '../../src/cli/json-lines.js';
import { PlainReporter } from '../../src/cli/plain.js';
import { failureText, summaryText, type Summary, type WatchedTask } from '../../src/cli/report.js';
import { KieApiError, TaskFailedError, TransportError, WatchTimeoutError } from '../../src/index.js';
import { failedRecord, watched } from './helpers.js';

const ONE: Summary = { tasks: 1, succeeded: 1, failed: 0, timedOut: 0, interrupted: 0, requests: 1, retries: 1, rateLimited: 1, violations: 1, wallMs: 1200, exitCode: 0 };

const FAILED = failedRecord('sim-X', 'GENERATE_FAILED');

describe('summaryText', () => {
  it('uses the singular for counts of one', () => {
    expect(summaryText(ONE)).toBe(
      '1 succeeded, 0 failed, 0 timed out (of 1 task)\n' +
        '1 request sent, 1 retry, 1 rate-limited answer, 1 rate-limit violation counted by the simulator\n' +
        'wall time 1.2s, exit code 0\n',
    );
  });

  it('uses the plural for every other count', () => {
    const text = summaryText({ ...ONE, tasks: 2, requests: 0, retries: 2, rateLimited: 3, violations: 0 });
    expect(text).toContain('(of 2 tasks)');
    expect(text).toContain('0 requests sent, 2 retries, 3 rate-limited answers, 0 rate-limit violations');
  });
});

describe('failureText', () => {
  it('never names the task a second time', () => {
    const errors = [
      new TaskFailedError(FAILED),
      new WatchTimeoutError('sim-X', 900_000, { lastStatus: 'GENERATING', lastProgress: 0.45 }),
      new TransportError('sim-X', 30, new Error('ECONNREFUSED')),
      new KieApiError({ taskId: 'sim-X', providerCode: 401, providerMessage: 'Unauthorized', httpStatus: 200 }),
    ];
    for (const error of errors) expect(failureText('sim-X', error)).not.toContain('sim-X');
    expect(failureText('sim-X', errors[0] as TaskFailedError)).toBe('GENERATE_FAILED (errorCode 400): content policy');
    expect(failureText('sim-X', errors[1] as WatchTimeoutError)).toBe('timed out after 15m00s (last status GENERATING at 45%); the task itself may still finish');
    expect(failureText('sim-X', errors[2] as TransportError)).toBe('giving up on the task after 30 consecutive failed requests');
  });

  it('keeps the id out of the plain failure line, which starts with it', () => {
    const lines: string[] = [];
    const reporter = new PlainReporter({ write: (t) => void lines.push(t) }, { write: () => undefined }, () => 0);
    reporter.start(watched(['sim-X']));
    reporter.failed('sim-X', new TaskFailedError(FAILED), 2_100);
    expect(lines.at(-1)).toBe('   2.1s  sim-X  FAILED GENERATE_FAILED (errorCode 400): content policy\n');
  });
});

describe('the family of each task, when several families are watched', () => {
  const mixed: WatchedTask[] = [
    { taskId: 'a', family: 'suno' },
    { taskId: 'b', family: 'flux-kontext' },
  ];
  const sinks = (): { lines: string[]; out: { write: (t: string) => void }; err: { write: () => void } } => {
    const lines: string[] = [];
    return { lines, out: { write: (t) => void lines.push(t) }, err: { write: () => undefined } };
  };

  it('puts `family` right after `taskId` in every JSON line of a task, and nowhere when one family is watched', () => {
    const { lines, out, err } = sinks();
    const reporter = new JsonLinesReporter(out, err);
    reporter.start(mixed);
    reporter.progress('a', 0.5, 'TEXT_SUCCESS');
    reporter.progress('b', 0, null);
    reporter.retry({ taskId: 'b', family: 'flux-kontext', attempt: 1, delayMs: 100, reason: 'HTTP 502' });
    reporter.rateLimited({ taskId: 'a', family: 'suno', scope: 'task', delayMs: 400, source: 'body' });
    reporter.failed('b', new TaskFailedError({ taskId: 'b', family: 'flux-kontext', status: null, successFlag: 3, errorCode: 500, errorMessage: 'boom', record: null }), 10);
    reporter.finish({ ...ONE, violations: 0 });
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.slice(0, -1).map((e) => Object.keys(e).slice(0, 3))).toEqual(Array(5).fill(['type', 'taskId', 'family']));
    expect(events.slice(0, -1).map((e) => e['family'])).toEqual(['suno', 'flux-kontext', 'flux-kontext', 'suno', 'flux-kontext']);
    // A family whose records have no status text says null, not a word of ours.
    expect(events[1]).toEqual({ type: 'progress', taskId: 'b', family: 'flux-kontext', progress: 0, status: null });
    expect(events.at(-1)).not.toHaveProperty('family');

    const single = sinks();
    const alone = new JsonLinesReporter(single.out, single.err);
    alone.start(watched(['a', 'b'], 'suno'));
    alone.progress('a', 0.5, 'TEXT_SUCCESS');
    expect(JSON.parse(single.lines[0] ?? '')).toEqual({ type: 'progress', taskId: 'a', progress: 0.5, status: 'TEXT_SUCCESS' });
  });

  it('gives plain lines a family column, aligned, only when several families are watched', () => {
    const { lines, out, err } = sinks();
    const reporter = new PlainReporter(out, err, () => 0);
    reporter.start(mixed);
    reporter.progress('a', 0.5, 'TEXT_SUCCESS');
    reporter.progress('b', 0, null);
    expect(lines.slice(1)).toEqual(['   0.0s  a  suno          TEXT_SUCCESS 50%\n', '   0.0s  b  flux-kontext  running 0%\n']);

    const single = sinks();
    const alone = new PlainReporter(single.out, single.err, () => 0);
    alone.start(watched(['a'], 'suno'));
    alone.progress('a', 0.5, 'TEXT_SUCCESS');
    expect(single.lines.at(-1)).toBe('   0.0s  a  TEXT_SUCCESS 50%\n');
  });
});
