import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../src/cli/args.js';
import { serializeError } from '../../src/cli/report.js';
import { KieApiError, WatchTimeoutError } from '../../src/index.js';

describe('parseCommand', () => {
  it('watches bare task ids, de-duplicated, with defaults', () => {
    expect(parseCommand(['t1', 't2', 't1'])).toMatchObject({
      kind: 'watch',
      taskIds: ['t1', 't2'],
      baseUrl: 'https://api.kie.ai',
      timeoutMs: undefined,
      policy: 'adaptive',
      json: false,
    });
  });

  it('reads --policy as adaptive, fastest or a fixed interval, and --timeout in seconds', () => {
    expect(parseCommand(['watch', 't', '--policy', 'fastest', '--timeout', '1.5'])).toMatchObject({ policy: 'fastest', timeoutMs: 1500 });
    expect(parseCommand(['watch', 't', '--policy', '2500'])).toMatchObject({ policy: { intervalMs: 2500 } });
  });

  it('gives demo its defaults: 36 tasks, seed 1, speed 1', () => {
    expect(parseCommand(['demo'])).toMatchObject({ kind: 'demo', tasks: 36, seed: 1, speed: 1, policy: 'adaptive' });
  });

  it('tells the user to put a command first instead of watching a task named "demo"', () => {
    expect(() => parseCommand(['--json', 'demo'])).toThrow(/put it first/);
  });

  it('passes simulate flags through to the standalone simulator', () => {
    expect(parseCommand(['simulate', '--port', '0', '--tasks', '3', '--verbose'])).toEqual({ kind: 'simulate', argv: ['--port', '0', '--tasks', '3'], verbose: true });
  });

  it('refuses every spelling of a key argument without repeating it', () => {
    for (const argv of [['t', '--api-key', 'SECRET1234'], ['t', '--api-key=SECRET1234'], ['demo', '--apikey=SECRET1234']]) {
      let caught: unknown;
      try {
        parseCommand(argv);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UsageError);
      expect((caught as Error).message).not.toContain('SECRET1234');
    }
  });

  it('still accepts --api-key-file', () => {
    expect(parseCommand(['t', '--api-key-file', '/tmp/k'])).toMatchObject({ apiKeyFile: '/tmp/k' });
  });
});

describe('serializeError', () => {
  it("keeps the error's own fields but not its stack, cause or record", () => {
    const inner = new Error('socket details');
    const error = new KieApiError({ taskId: 't', providerCode: 401, providerMessage: 'Unauthorized', httpStatus: 200, cause: inner });
    const json = serializeError(error);
    expect(json).toEqual({ name: 'KieApiError', code: 'KIE_API_ERROR', message: 'KIE API answered 401: Unauthorized', providerCode: 401, providerMessage: 'Unauthorized', httpStatus: 200, accountWide: false });
    expect(serializeError(new WatchTimeoutError('t', 1000, { lastStatus: 'GENERATING', lastProgress: 0.4 }))).toMatchObject({ timeoutMs: 1000, lastStatus: 'GENERATING', lastProgress: 0.4 });
  });
});
