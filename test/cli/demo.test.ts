import { describe, expect, it } from 'vitest';
import { demoTasks, notAsScripted } from '../../src/cli/demo-tasks.js';
import { scaledPolicy } from '../../src/cli/demo-policy.js';
import { ADAPTIVE, TaskWatcher, type PollState } from '../../src/index.js';
import { jsonLines, runCli } from './helpers.js';

const MIN_INTERVAL_MS = new TaskWatcher({ apiKey: 'k' }).minIntervalMs;
const state = (over: Partial<PollState> = {}): PollState => ({
  taskId: 't',
  family: 'gpt4o-image',
  model: null,
  expectCallback: false,
  callbackMissRate: null,
  watchedForMs: 0,
  taskAgeMs: 0,
  polls: 1,
  progress: 0,
  status: 'GENERATING',
  msSinceProgressChange: null,
  etaMs: null,
  minIntervalMs: MIN_INTERVAL_MS,
  ...over,
});

describe('the demo polling policy at --speed X', () => {
  it('is the policy itself at speed 1, and fastest stays fastest', () => {
    expect(scaledPolicy('adaptive', 1)).toBe('adaptive');
    expect(scaledPolicy('fastest', 10)).toBe('fastest');
  });

  it('divides the adaptive intervals by the speed, judging age as if at speed 1', () => {
    const policy = scaledPolicy('adaptive', 2);
    if (typeof policy !== 'function') throw new Error('expected a policy function');
    expect(policy(state({ taskAgeMs: 1_000 }))).toBe(ADAPTIVE.earlyMs / 2);
    // 20 s at speed 2 is 40 s of task life: the middle band.
    expect(policy(state({ taskAgeMs: 20_000 }))).toBe(ADAPTIVE.middleMs / 2);
    expect(policy(state({ taskAgeMs: 200_000 }))).toBe(ADAPTIVE.lateMs / 2);
  });

  it('never polls faster than the rate-limit interval the watcher exposes', () => {
    for (const speed of [10, 100, 1000]) {
      for (const policy of [scaledPolicy('adaptive', speed), scaledPolicy({ intervalMs: 500 }, speed)]) {
        if (typeof policy !== 'function') throw new Error('expected a policy function');
        for (const s of [state(), state({ taskAgeMs: 600_000 }), state({ etaMs: 1 })]) expect(policy(s)).toBeGreaterThanOrEqual(MIN_INTERVAL_MS);
      }
    }
    const fixed = scaledPolicy({ intervalMs: 8_000 }, 4);
    if (typeof fixed !== 'function') throw new Error('expected a policy function');
    expect(fixed(state())).toBe(2_000);
  });
});

describe('kie-watch demo --json', () => {
  it('prints one terminal event per scripted task, a summary last with 0 violations, and exits 0 when the failures are the scripted ones', async () => {
    const scripted = demoTasks(6, 3, 10);
    const expectedFailures = scripted.filter((t) => t.outcome !== 'SUCCESS').length;
    // The seed is picked so the run covers both outcomes; if the workload generator changes, pick another.
    expect(expectedFailures).toBeGreaterThan(0);
    expect(expectedFailures).toBeLessThan(6);

    const result = await runCli(['demo', '--tasks', '6', '--json', '--seed', '3', '--speed', '10']);
    const events = jsonLines(result.stdout);

    const terminal = events.filter((e) => e.type === 'completed' || e.type === 'failed' || e.type === 'timeout');
    expect(terminal).toHaveLength(6);
    expect(new Set(terminal.map((e) => e.taskId)).size).toBe(6);
    expect(terminal.filter((e) => e.type === 'failed')).toHaveLength(expectedFailures);
    for (const e of events.filter((x) => x.type === 'failed')) {
      expect(e.error).toMatchObject({ name: 'TaskFailedError', code: 'KIE_TASK_FAILED' });
      expect(JSON.stringify(e)).not.toContain('stack');
    }

    const summary = events.at(-1);
    expect(summary).toMatchObject({ type: 'summary', tasks: 6, succeeded: 6 - expectedFailures, failed: expectedFailures, timedOut: 0, violations: 0, exitCode: 0 });
    expect(events.filter((e) => e.type === 'summary')).toHaveLength(1);
    expect(result.code).toBe(0);
    // Human text stays off stdout under --json.
    expect(result.stderr).toContain('simulator at http://127.0.0.1:');
  });

  it('exits 1 when a task does not end as scripted (here: the watcher deadline cuts it short)', async () => {
    const result = await runCli(['demo', '--tasks', '3', '--json', '--seed', '3', '--timeout', '0.5']);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ type: 'summary', timedOut: 3, exitCode: 1 });
  });

  it('exits 0 when every scripted task succeeds', async () => {
    const seed = [...Array(50).keys()].find((s) => demoTasks(3, s, 10).every((t) => t.outcome === 'SUCCESS'));
    expect(seed).toBeDefined();
    const result = await runCli(['demo', '--tasks', '3', '--json', '--seed', String(seed), '--speed', '10', '--policy', 'fastest']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ type: 'summary', succeeded: 3, failed: 0, violations: 0, exitCode: 0 });
  });

  it('at --speed 10 polls faster too, so a run of short tasks ends well before the 3.5 s first interval', async () => {
    const seed = [...Array(50).keys()].find((s) => demoTasks(3, s, 10).every((t) => t.outcome === 'SUCCESS' && t.durationMs <= 1_500));
    expect(seed).toBeDefined();
    const result = await runCli(['demo', '--tasks', '3', '--json', '--seed', String(seed), '--speed', '10']);
    const summary = jsonLines(result.stdout).at(-1);
    expect(summary).toMatchObject({ type: 'summary', succeeded: 3, violations: 0, exitCode: 0 });
    expect(summary?.wallMs).toBeLessThan(ADAPTIVE.earlyMs);
  });

  it('logs every timeout with --verbose, as it does completions and failures', async () => {
    const result = await runCli(['demo', '--tasks', '1', '--seed', '3', '--timeout', '0.3', '--verbose']);
    expect(result.code).toBe(1);
    const logs = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; taskId?: string; timeoutMs?: number });
    const timedOut = logs.filter((l) => l.msg === 'task timed out');
    expect(timedOut).toHaveLength(1);
    expect(timedOut[0]).toMatchObject({ timeoutMs: 300, taskId: expect.stringMatching(/^sim-/) as unknown });
  });

  it('prints one plain line per state change and a readable summary when stdout is not a TTY', async () => {
    const result = await runCli(['demo', '--tasks', '2', '--seed', '3', '--speed', '10', '--policy', 'fastest']);
    expect(result.stdout).not.toContain('\x1b[');
    expect(result.stdout).toMatch(/^watching 2 tasks$/m);
    expect(result.stdout).toMatch(/succeeded, \d+ failed, 0 timed out \(of 2 tasks\)/);
    expect(result.stdout).toContain('0 rate-limit violations counted by the simulator');
  });
});

describe('kie-watch demo --families', () => {
  const ALL = ['gpt4o-image', 'market', 'veo', 'flux-kontext', 'runway', 'luma', 'suno', 'mj'];

  it('mixes every family in one watcher, names each task\'s family on its lines, and exits 0 with 0 violations', async () => {
    const scripted = demoTasks(16, 4, 10, ALL as Parameters<typeof demoTasks>[3]);
    const expectedFailures = scripted.filter((t) => t.outcome !== 'SUCCESS').length;
    expect(expectedFailures).toBeGreaterThan(0);

    const result = await runCli(['demo', '--tasks', '16', '--families', 'all', '--json', '--seed', '4', '--speed', '10']);
    const events = jsonLines(result.stdout);
    const terminal = events.filter((e) => e.type === 'completed' || e.type === 'failed' || e.type === 'timeout');
    expect(terminal).toHaveLength(16);
    // Task i is of family i % 8: two of each.
    expect(terminal.map((e) => e['family']).sort()).toEqual([...ALL, ...ALL].sort());
    expect(events.filter((e) => e.type !== 'summary').every((e) => typeof e['family'] === 'string')).toBe(true);
    expect(terminal.filter((e) => e.type === 'failed')).toHaveLength(expectedFailures);
    // Each family's results are its own media: Suno two audio files, Midjourney a grid of four, ...
    const urls = (family: string): unknown[] => terminal.filter((e) => e.type === 'completed' && e['family'] === family).flatMap((e) => e['resultUrls'] as unknown[]);
    expect(urls('suno').every((u) => String(u).endsWith('.mp3'))).toBe(true);
    expect(urls('runway').every((u) => String(u).endsWith('.mp4'))).toBe(true);
    // Progress says what the family says, or null where its records have no status text.
    for (const e of events.filter((x) => x.type === 'progress')) {
      if (['veo', 'flux-kontext', 'luma', 'mj'].includes(String(e['family']))) expect(e['status']).toBeNull();
      else expect(e['status']).toEqual(expect.any(String));
    }
    expect(events.at(-1)).toMatchObject({ type: 'summary', tasks: 16, failed: expectedFailures, timedOut: 0, violations: 0, exitCode: 0 });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('16 scripted tasks of families gpt4o-image, market, veo, flux-kontext, runway, luma, suno, mj');
  });

  it('watches a single other family without a family field (the user named it)', async () => {
    // At speed 5 each Suno stage lasts about half a second, longer than the fastest poll interval.
    const result = await runCli(['demo', '--tasks', '2', '--families', 'suno', '--json', '--seed', '3', '--speed', '5', '--policy', 'fastest']);
    const events = jsonLines(result.stdout);
    expect(events.some((e) => 'family' in e)).toBe(false);
    expect(events.filter((e) => e.type === 'completed').flatMap((e) => e['resultUrls'] as unknown[]).every((u) => String(u).endsWith('.mp3'))).toBe(true);
    expect(events.filter((e) => e.type === 'progress').map((e) => e['status'])).toEqual(expect.arrayContaining(['TEXT_SUCCESS']));
    expect(events.at(-1)).toMatchObject({ type: 'summary', violations: 0, exitCode: 0 });
  });

  it('exits 2 with the family list on an unknown family', async () => {
    const result = await runCli(['demo', '--families', 'market,kling']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('got "kling"');
    expect(result.stderr).toContain('gpt4o-image, market, veo, flux-kontext, runway, luma, suno, mj');
  });
});

describe('a demo task ends as scripted', () => {
  const specs = demoTasks(2, 1, 1).map((spec, i) => ({ ...spec, outcome: i === 0 ? ('SUCCESS' as const) : ('GENERATE_FAILED' as const) }));

  it('when a success succeeds and a scripted failure fails as the provider said', () => {
    expect(notAsScripted(specs, ['a', 'b'], new Map([['a', 'SUCCESS'], ['b', 'KIE_TASK_FAILED']]))).toEqual([]);
  });

  it('not when a scripted failure ended any other way: an unreadable answer means the family was misread', () => {
    expect(notAsScripted(specs, ['a', 'b'], new Map([['a', 'SUCCESS'], ['b', 'KIE_INVALID_RESPONSE']]))).toEqual([{ taskId: 'b', scripted: 'GENERATE_FAILED', ended: 'KIE_INVALID_RESPONSE' }]);
  });

  it('not when outcomes swap places, though the counts still match', () => {
    expect(notAsScripted(specs, ['a', 'b'], new Map([['a', 'KIE_TASK_FAILED'], ['b', 'SUCCESS']])).map((t) => t.taskId)).toEqual(['a', 'b']);
  });

  it('not when a task never ended', () => {
    expect(notAsScripted(specs, ['a', 'b'], new Map([['a', 'SUCCESS']]))).toEqual([{ taskId: 'b', scripted: 'GENERATE_FAILED', ended: 'NOT ENDED' }]);
  });
});
