import { describe, expect, it } from 'vitest';
import { parseBaseUrl, parseCommand, suggestCommand } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/command.js';
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

describe('task families', () => {
  const ALL = ['gpt4o-image', 'market', 'veo', 'flux-kontext', 'runway', 'luma', 'suno', 'mj'];

  it('watches as gpt4o-image unless --family names another built-in family', () => {
    expect(parseCommand(['watch', 't'])).toMatchObject({ family: 'gpt4o-image' });
    expect(parseCommand(['t', '--family', 'suno'])).toMatchObject({ kind: 'watch', taskIds: ['t'], family: 'suno' });
    for (const family of ALL) expect(parseCommand(['watch', 't', `--family=${family}`])).toMatchObject({ family });
  });

  it('refuses an unknown --family with a usage error that lists every family', () => {
    for (const bad of ['midjourney', 'MARKET', '', 'suno,veo']) {
      let caught: unknown;
      try {
        parseCommand(['watch', 't', '--family', bad]);
      } catch (e) {
        caught = e;
      }
      expect(caught, bad).toBeInstanceOf(UsageError);
      expect((caught as UsageError).topic).toBe('watch');
      for (const family of ALL) expect((caught as Error).message).toContain(family);
    }
  });

  it('reads demo --families as all or a comma-separated list, each family once, in the order given', () => {
    expect(parseCommand(['demo'])).toMatchObject({ families: undefined });
    expect(parseCommand(['demo', '--families', 'all'])).toMatchObject({ families: ALL });
    expect(parseCommand(['demo', '--families', 'suno, market,suno'])).toMatchObject({ families: ['suno', 'market'] });
    expect(parseCommand(['demo', '--families', 'mj'])).toMatchObject({ families: ['mj'] });
  });

  it('refuses an unknown demo --families entry, naming it and listing the families', () => {
    for (const bad of ['market,sora2', '', 'all,suno', ',']) {
      expect(() => parseCommand(['demo', '--families', bad]), bad).toThrow(UsageError);
    }
    expect(() => parseCommand(['demo', '--families', 'market,sora2'])).toThrow(/got "sora2"/);
    expect(() => parseCommand(['demo', '--families', 'market,sora2'])).toThrow(/gpt4o-image, market, veo, flux-kontext, runway, luma, suno, mj/);
  });

  it('takes --family for watch only and --families for demo only', () => {
    expect(() => parseCommand(['demo', '--family', 'suno'])).toThrow(UsageError);
    expect(() => parseCommand(['watch', 't', '--families', 'all'])).toThrow(UsageError);
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

describe('command typos', () => {
  it('suggests the command for a short word within two edits of one', () => {
    expect(suggestCommand('wacth')).toBe('watch');
    expect(suggestCommand('demi')).toBe('demo');
    expect(suggestCommand('simulat')).toBe('simulate');
    expect(suggestCommand('hepl')).toBe('help');
    expect(() => parseCommand(['wacth', 'T1'])).toThrow(/did you mean 'watch'/);
  });

  it('takes anything that looks like a KIE task id as one', () => {
    for (const id of ['4o_abc123', 'd3m0', 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'sim-3888fca3631f7f137a01fca3', 'veo_task_abcdef', 'zebra']) {
      expect(suggestCommand(id), id).toBeUndefined();
    }
    expect(parseCommand(['4o_abc123'])).toMatchObject({ kind: 'watch', taskIds: ['4o_abc123'] });
  });
});

describe('--base-url', () => {
  it('accepts https anywhere and plain http to this machine only', () => {
    for (const url of ['https://api.kie.ai', 'http://127.0.0.1:8787', 'http://localhost:9', 'http://[::1]:9', 'http://127.1.2.3']) {
      expect(parseBaseUrl(url)).toBe(url);
    }
    for (const url of ['http://example.com', 'http://10.0.0.1', 'ftp://api.kie.ai', 'api.kie.ai']) {
      expect(() => parseBaseUrl(url), url).toThrow(UsageError);
    }
  });

  it('never echoes a password in the URL', () => {
    expect(() => parseBaseUrl('http://user:hunter2secret@example.com')).toThrow(/user name or password/);
    try {
      parseBaseUrl('http://user:hunter2secret@example.com');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2secret');
    }
  });
});

describe('demo --workers', () => {
  it('is the single-process demo without it, and a fleet of 2 to 16 workers with it', () => {
    expect(parseCommand(['demo'])).toMatchObject({ kind: 'demo', fleet: undefined });
    expect(parseCommand(['demo', '--workers', '4'])).toMatchObject({ fleet: { workers: 4, redisUrl: undefined, killOne: false } });
    expect(parseCommand(['demo', '--workers', '2', '--kill-one', '--redis', 'redis://127.0.0.1:6379/2'])).toMatchObject({
      fleet: { workers: 2, redisUrl: 'redis://127.0.0.1:6379/2', killOne: true },
    });
    for (const n of ['0', '1', '17', '4.5', 'four']) expect(() => parseCommand(['demo', '--workers', n]), n).toThrow(/--workers needs an integer from 2 to 16/);
  });

  it('takes --redis and --kill-one only with --workers, and not with --callbacks', () => {
    expect(() => parseCommand(['demo', '--redis', 'redis://127.0.0.1:6379'])).toThrow('--redis needs --workers');
    expect(() => parseCommand(['demo', '--kill-one'])).toThrow('--kill-one needs --workers');
    expect(() => parseCommand(['demo', '--workers', '3', '--callbacks'])).toThrow(/cannot be combined/);
  });

  it('takes a redis:// or rediss:// URL with a host, and refuses a password in it without echoing it', () => {
    expect(parseCommand(['demo', '--workers', '2', '--redis', 'rediss://user@redis.example:6380'])).toMatchObject({ fleet: { redisUrl: 'rediss://user@redis.example:6380' } });
    for (const url of ['http://127.0.0.1:6379', '127.0.0.1:6379', 'redis://', 'unix:///tmp/redis.sock']) {
      expect(() => parseCommand(['demo', '--workers', '2', '--redis', url]), url).toThrow(UsageError);
    }
    let caught: unknown;
    try {
      parseCommand(['demo', '--workers', '2', '--redis', 'redis://user:hunter2secret@127.0.0.1:6379/1']);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toContain('REDISCLI_AUTH');
    expect((caught as Error).message).toContain('--redis redis://user@127.0.0.1:6379/1');
    expect((caught as Error).message).not.toContain('hunter2secret');
  });
});
