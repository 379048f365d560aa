import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { CANARY_KEY, WRONG_KEY, expectNoKey, jsonLines, runCli, type CliRun } from './helpers.js';

let sim: KieSimulator;
let dir: string;
const runs: CliRun[] = [];

async function cli(argv: string[], env: Record<string, string | undefined> = { KIE_API_KEY: CANARY_KEY }, signal?: AbortSignal): Promise<CliRun> {
  const result = await runCli(argv, env, signal);
  runs.push(result);
  return result;
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: CANARY_KEY, port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'kie-watch-cli-'));
});

afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kie-watch watch against the simulator', () => {
  it('exits 0 and reports completed with the result URLs when every task succeeds', async () => {
    const a = sim.addTask({ durationMs: 300, outcome: 'SUCCESS' });
    const b = sim.addTask({ durationMs: 600, outcome: 'SUCCESS', resultUrls: ['https://example.invalid/b.png'] });
    const result = await cli(['watch', a, b, '--base-url', sim.url, '--policy', 'fastest', '--json']);
    expect(result.code).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type === 'completed').map((e) => e.taskId).sort()).toEqual([a, b].sort());
    expect(events.find((e) => e.taskId === b && e.type === 'completed')).toMatchObject({ resultUrls: ['https://example.invalid/b.png'] });
    expect(events.at(-1)).toMatchObject({ type: 'summary', tasks: 2, succeeded: 2, exitCode: 0 });
    expect(events.at(-1)).not.toHaveProperty('violations');
  });

  it('watches every task as the --family given: its endpoint, its record, its own status and failure texts', async () => {
    const quirk = sim.addTask({ family: 'runway', durationMs: 600, outcome: 'SUCCESS', quirk: true, resultUrls: ['https://example.invalid/clip.mp4'] });
    const bad = sim.addTask({ family: 'runway', durationMs: 600, outcome: 'GENERATE_FAILED', errorCode: 500, errorMessage: 'render failed' });
    const result = await cli(['watch', quirk, bad, '--family', 'runway', '--base-url', sim.url, '--policy', 'fastest', '--json']);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout);
    // Runway fills failCode/failMsg on some successes: still a success.
    expect(events.find((e) => e.type === 'completed')).toMatchObject({ taskId: quirk, resultUrls: ['https://example.invalid/clip.mp4'] });
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ taskId: bad, error: { code: 'KIE_TASK_FAILED', family: 'runway', status: 'fail', errorCode: 500, errorMessage: 'render failed' } });
    const statuses = events.filter((e) => e.type === 'progress').map((e) => e['status']);
    expect(statuses.length).toBeGreaterThan(0);
    for (const status of statuses) expect(['wait', 'queueing', 'generating']).toContain(status);
    // One family, named by the user: no family field.
    expect(events.some((e) => 'family' in e)).toBe(false);
    expect(sim.taskStats(quirk)?.violations).toBe(0);
  });

  it('treats the command name as optional: bare task ids are watched', async () => {
    const a = sim.addTask({ durationMs: 100, outcome: 'SUCCESS' });
    const result = await cli([a, '--base-url', sim.url, '--policy', 'fastest']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${a}  SUCCESS`);
  });

  it('exits 1 and reports the provider failure fields when a task fails', async () => {
    const ok = sim.addTask({ durationMs: 200, outcome: 'SUCCESS' });
    const bad = sim.addTask({ durationMs: 200, outcome: 'GENERATE_FAILED', errorCode: 400, errorMessage: 'content policy' });
    const result = await cli(['watch', ok, bad, '--base-url', sim.url, '--policy', 'fastest', '--json']);
    expect(result.code).toBe(1);
    const failed = jsonLines(result.stdout).find((e) => e.type === 'failed');
    expect(failed).toMatchObject({
      taskId: bad,
      error: { name: 'TaskFailedError', code: 'KIE_TASK_FAILED', status: 'GENERATE_FAILED', errorCode: 400, errorMessage: 'content policy' },
    });
    expect(failed?.error).not.toHaveProperty('record');
    expect(failed?.error).not.toHaveProperty('stack');
  });

  it('exits 1 with a timeout event (not a failure) when the deadline passes', async () => {
    const never = sim.addTask({ durationMs: 100, outcome: 'NEVER' });
    const result = await cli(['watch', never, '--base-url', sim.url, '--policy', 'fastest', '--timeout', '0.8', '--json']);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout);
    expect(events.find((e) => e.type === 'timeout')).toMatchObject({ taskId: never, error: { code: 'KIE_WATCH_TIMEOUT', timeoutMs: 800 } });
    expect(events.at(-1)).toMatchObject({ type: 'summary', timedOut: 1, failed: 0 });
  });

  it('exits 2 with a failed KIE_API_ERROR event for every task when the key is wrong', async () => {
    const a = sim.addTask({ durationMs: 100, outcome: 'SUCCESS' });
    const b = sim.addTask({ durationMs: 100, outcome: 'SUCCESS' });
    const result = await cli(['watch', a, b, '--base-url', sim.url, '--json'], { KIE_API_KEY: WRONG_KEY });
    expect(result.code).toBe(2);
    const failed = jsonLines(result.stdout).filter((e) => e.type === 'failed');
    expect(failed.map((e) => e.taskId).sort()).toEqual([a, b].sort());
    for (const e of failed) expect(e.error).toMatchObject({ name: 'KieApiError', code: 'KIE_API_ERROR', providerCode: 401 });
    expect(result.stderr).toContain('refused the key');
  });

  it('writes debug logs to stderr with --verbose, keeping stdout pure JSON and the key out of both', async () => {
    const a = sim.addTask({ durationMs: 100, outcome: 'SUCCESS' });
    const result = await cli(['watch', a, '--base-url', sim.url, '--json', '--verbose'], { KIE_API_KEY: WRONG_KEY });
    expect(result.code).toBe(2);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ type: 'summary', failed: 1 });
    expect(result.stderr).toMatch(/"level":50/);
  });

  it('reads the key from --api-key-file, trimmed, and prefers it over KIE_API_KEY', async () => {
    const file = join(dir, 'key');
    await writeFile(file, `  ${CANARY_KEY}\n`);
    await chmod(file, 0o600);
    const a = sim.addTask({ durationMs: 100, outcome: 'SUCCESS' });
    const result = await cli(['watch', a, '--base-url', sim.url, '--api-key-file', file, '--policy', 'fastest'], { KIE_API_KEY: WRONG_KEY });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('readable by other users');
  });

  it('warns when the key file is readable by others', async () => {
    const file = join(dir, 'open-key');
    await writeFile(file, CANARY_KEY);
    await chmod(file, 0o644);
    const a = sim.addTask({ durationMs: 100, outcome: 'SUCCESS' });
    const result = await cli(['watch', a, '--base-url', sim.url, '--api-key-file', file, '--policy', 'fastest'], {});
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('readable by other users');
  });

  it('exits 130 after closing the watcher when interrupted', async () => {
    const never = sim.addTask({ durationMs: 100, outcome: 'NEVER' });
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 300);
    const result = await cli(['watch', never, '--base-url', sim.url, '--json'], { KIE_API_KEY: CANARY_KEY }, controller.signal);
    expect(result.code).toBe(130);
    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type === 'failed' || e.type === 'timeout')).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'summary', interrupted: 1, exitCode: 130 });
  });
});

describe('kie-watch usage', () => {
  it('refuses --api-key with exit 2 and explains why, without echoing the value', async () => {
    for (const argv of [['watch', 'task1', '--api-key', CANARY_KEY], [`--api-key=${CANARY_KEY}`, 'task1'], ['demo', '--api-key', CANARY_KEY]]) {
      const result = await cli(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ps');
      expect(result.stderr).toContain('shell history');
      expect(result.stderr).toContain('KIE_API_KEY');
      expect(result.stdout).toBe('');
    }
  });

  it('exits 2 with a usage message on an unknown option', async () => {
    const result = await cli(['watch', 'task1', '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--frobnicate'");
    expect(result.stderr).toContain('usage: kie-watch');
  });

  it('exits 2 when no key is configured, or the arguments are bad', async () => {
    expect((await cli(['watch', 'task1'], {})).code).toBe(2);
    expect((await cli(['watch'])).code).toBe(2);
    expect((await cli(['watch', '../etc/passwd'])).code).toBe(2);
    expect((await cli(['watch', 'task1', '--policy', 'sometimes'])).code).toBe(2);
    expect((await cli(['watch', 'task1', '--timeout', '-5'])).code).toBe(2);
    expect((await cli(['watch', 'task1', '--base-url', 'http://example.com'])).code).toBe(2);
    expect((await cli(['watch', 'task1', '--family', 'midjourney'])).code).toBe(2);
    expect((await cli(['demo', '--tasks', '0'])).code).toBe(2);
    expect((await cli(['demo', '--speed', 'fast'])).code).toBe(2);
    expect((await cli(['simulate', '--port', 'x'])).code).toBe(2);
    const missing = await cli(['watch', 'task1', '--api-key-file', join(dir, 'does-not-exist')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ENOENT');
  });

  it('prints help with the exit codes and exits 0, for the top level and every command', async () => {
    for (const argv of [['--help'], ['-h'], [], ['watch', '--help'], ['demo', '-h'], ['simulate', '--help'], ['help', 'demo']]) {
      const result = await cli(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('usage:');
      expect(result.stdout).toContain('Exit codes');
    }
  });

  it('prints the version for --version, -V, and -v alone', async () => {
    for (const flag of ['--version', '-V', '-v']) {
      const result = await cli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^kie-watch \d+\.\d+\.\d+\n$/);
    }
  });

  it('answers an unknown option with a short message of its own, not the parser\'s hint with unbalanced quotes', async () => {
    const result = await cli(['demo', '-v']);
    expect(result.code).toBe(2);
    const first = result.stderr.split('\n')[0] ?? '';
    expect(first).toMatch(/^kie-watch: unknown option '-v' \(the version is --version/);
    expect(first).not.toContain('"');
    expect(result.stderr).not.toContain('positional argument');
  });

  it('suggests the command for a mistyped one instead of watching a task named after the typo', async () => {
    const result = await cli(['wacth', 'T1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'wacth'; did you mean 'watch'?");
    expect(result.stderr).toContain('kie-watch watch wacth');
  });

  it('refuses a plain-http --base-url to another host in terms of the CLI, without library option names', async () => {
    const result = await cli(['watch', 'task1', '--base-url', 'http://example.com']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--base-url must be https://');
    expect(result.stderr).toContain('http:// only to this machine');
    expect(result.stderr).not.toMatch(/allowInsecureHttp|baseUrl/);
  });
});

describe('the API key', () => {
  it('never appears in stdout or stderr of any run above', () => {
    expect(runs.length).toBeGreaterThan(10);
    for (const result of runs) expectNoKey(result, CANARY_KEY, WRONG_KEY);
  });
});
