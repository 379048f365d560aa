import { describe, expect, it } from 'vitest';
import { PlainReporter } from '../../src/cli/plain.js';
import { failureText, summaryText, type Summary } from '../../src/cli/report.js';
import { KieApiError, TaskFailedError, TransportError, WatchTimeoutError } from '../../src/index.js';
import { failedRecord } from './helpers.js';

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
    reporter.start(['sim-X']);
    reporter.failed('sim-X', new TaskFailedError(FAILED), 2_100);
    expect(lines.at(-1)).toBe('   2.1s  sim-X  FAILED GENERATE_FAILED (errorCode 400): content policy\n');
  });
});
