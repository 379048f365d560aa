import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoTasks } from '../../src/cli/demo-tasks.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { JsonFleetReporter, PlainFleetReporter, SNAPSHOT_MS, taskText, type RedisDescription } from '../../src/cli/fleet/report.js';
import { FleetState, type FleetListener, type KilledLine, type TakeoverLine, type TaskLine } from '../../src/cli/fleet/state.js';
import { fleetExitCode, fleetProblems, fleetSummary, fleetSummaryText } from '../../src/cli/fleet/summary.js';
import { renderFleetFrame, TtyFleetReporter, type FleetRow } from '../../src/cli/fleet/tty.js';
import { jsonLines, watched } from './helpers.js';

/** A fleet of named workers over tasks t1..tn, on a clock the test moves, recording what it reports. */
function fleet(workers: readonly string[], tasks: number, victim?: string) {
  let now = 1_000;
  const heard = { tasks: [] as TaskLine[], killed: [] as KilledLine[], takeovers: [] as TakeoverLine[], messages: [] as string[] };
  const state = new FleetState(
    workers.map((name, i) => ({ name, pid: 100 + i, victim: name === victim })),
    watched(Array.from({ length: tasks }, (_, i) => `t${i + 1}`)),
    () => now,
  );
  const listener: FleetListener = {
    task: (l) => heard.tasks.push(l),
    killed: (l) => heard.killed.push(l),
    takeover: (l) => heard.takeovers.push(l),
    message: (m) => heard.messages.push(m),
  };
  state.listen(listener);
  return { state, heard, advance: (ms: number) => (now += ms) };
}

describe('the fleet as the parent sees it', () => {
  it("reports a task once every running worker has its outcome, with who polled it and how far apart the workers received it", () => {
    const { state, heard, advance } = fleet(['w1', 'w2', 'w3'], 2);
    state.polls('w2', { t1: 2 });
    state.polls('w1', { t1: 1, t2: 1 });
    advance(500);
    state.settled('w2', 't1', 'SUCCESS', true, 50_000);
    state.settled('w1', 't1', 'SUCCESS', false, 50_003);
    expect(heard.tasks).toEqual([]);
    state.settled('w3', 't1', 'SUCCESS', false, 50_007);
    expect(heard.tasks).toEqual([{ taskId: 't1', family: 'gpt4o-image', ending: 'SUCCESS', pollsBy: [['w1', 1], ['w2', 2]], workers: 3, spreadMs: 7, elapsedMs: 500 }]);
    // A repeated report changes nothing.
    state.settled('w3', 't1', 'KIE_TASK_FAILED', false, 50_010);
    expect(heard.tasks).toHaveLength(1);
    expect(state.worker('w2')).toMatchObject({ polls: 2, results: 1, foundHere: 1 });
    expect(state.allSettled()).toBe(false);
  });

  it('stops waiting for a worker that died: the task is reported once the others have it', () => {
    const { state, heard } = fleet(['w1', 'w2'], 1);
    state.settled('w1', 't1', 'KIE_TASK_FAILED', true, 1);
    state.exited('w2', '1', { lastWords: null, asked: false });
    expect(heard.tasks).toMatchObject([{ taskId: 't1', ending: 'KIE_TASK_FAILED', workers: 1 }]);
    expect(state.worker('w2')?.state).toBe('died');
    expect(state.allSettled()).toBe(true);
  });

  it('tells a clean close from a death: exit 0 counts as closed only when the parent asked for it', () => {
    const { state } = fleet(['w1', 'w2'], 1);
    state.exited('w1', '0', { lastWords: null, asked: true });
    state.exited('w2', '0', { lastWords: null, asked: false });
    expect(state.workers.map((w) => w.state)).toEqual(['closed', 'died']);
  });

  it('reports no line for a task every worker gave up on when the run was interrupted', () => {
    const { state, heard } = fleet(['w1', 'w2'], 1);
    state.settled('w1', 't1', 'INTERRUPTED', false, 1);
    state.settled('w2', 't1', 'INTERRUPTED', false, 1);
    expect(heard.tasks).toEqual([]);
    expect(state.worker('w1')?.results).toBe(0);
  });

  it('--kill-one: a victim killed with its last words strands a claim, and the first poll of that task by another worker is the takeover', () => {
    const { state, heard, advance } = fleet(['w1', 'w2', 'w3'], 2, 'w3');
    state.settled('w1', 't1', 'SUCCESS', true, 1);
    advance(1_200);
    state.exited('w3', 'SIGKILL', { lastWords: 't2', asked: false });
    expect(heard.killed).toEqual([{ worker: 'w3', pid: 102, taskId: 't2', elapsedMs: 1_200 }]);
    // Another task, or the stranded one by nobody else yet: no takeover.
    state.polls('w1', { t1: 1 });
    advance(3_000);
    state.polls('w2', { t2: 1 });
    expect(heard.takeovers).toEqual([{ taskId: 't2', from: 'w3', by: 'w2', afterMs: 3_000, elapsedMs: 4_200 }]);
    state.polls('w1', { t2: 1 });
    expect(heard.takeovers).toHaveLength(1);
  });

  it('counts a SIGKILL of a worker that was not the victim, or left no last words, as a death', () => {
    const { state, heard } = fleet(['w1', 'w2', 'w3'], 1, 'w3');
    state.exited('w1', 'SIGKILL', { lastWords: 't1', asked: false });
    state.exited('w3', 'SIGKILL', { lastWords: null, asked: false });
    expect(state.workers.map((w) => w.state)).toEqual(['died', 'running', 'died']);
    expect(heard.killed).toEqual([]);
  });
});

describe('the end of a fleet demo', () => {
  const specs = demoTasks(2, 1, 10).map((s, i) => ({ ...s, outcome: i === 0 ? ('SUCCESS' as const) : ('GENERATE_FAILED' as const) }));

  function finished(victim?: string) {
    const f = fleet(['w1', 'w2', 'w3'], 2, victim);
    for (const w of ['w1', 'w2', 'w3']) {
      if (w === victim) continue;
      f.state.polls(w, { t1: 1, t2: 2 });
      f.state.settled(w, 't1', 'SUCCESS', w === 'w1', 1);
      f.state.settled(w, 't2', 'KIE_TASK_FAILED', w === 'w2', 1);
    }
    return f;
  }

  it('passes when every worker settled every task as scripted and the simulator counted no violation', () => {
    const { state } = finished();
    expect(fleetProblems(state, specs, ['t1', 't2'], 0)).toEqual([]);
    expect(fleetExitCode(undefined, [])).toBe(EXIT.ok);
  });

  it('fails on a violation, a worker that died, or a worker whose task did not end as scripted', () => {
    const { state } = finished();
    expect(fleetProblems(state, specs, ['t1', 't2'], 2)).toEqual(['the simulator counted 2 rate-limit violations; this is a bug in kie-watcher']);
    state.exited('w3', 'SIGSEGV', { lastWords: null, asked: false });
    expect(fleetProblems(state, specs, ['t2', 't1'], 0)).toEqual([
      'w1: 2 of 2 tasks did not end as scripted: t2 (scripted SUCCESS, ended KIE_TASK_FAILED), t1 (scripted GENERATE_FAILED, ended SUCCESS)',
      'w2: 2 of 2 tasks did not end as scripted: t2 (scripted SUCCESS, ended KIE_TASK_FAILED), t1 (scripted GENERATE_FAILED, ended SUCCESS)',
      'w3 (pid 102) died unasked (SIGSEGV) at 0.0s',
      'w3: 2 of 2 tasks did not end as scripted: t2 (scripted SUCCESS, ended KIE_TASK_FAILED), t1 (scripted GENERATE_FAILED, ended SUCCESS)',
    ]);
    expect(fleetExitCode(undefined, ['x'])).toBe(EXIT.failed);
  });

  it('excuses the worker --kill-one killed, and nobody else', () => {
    const { state } = finished('w3');
    state.exited('w3', 'SIGKILL', { lastWords: 't2', asked: false });
    expect(fleetProblems(state, specs, ['t1', 't2'], 0)).toEqual([]);
  });

  it('exits as it was stopped, whatever else happened', () => {
    expect(fleetExitCode('SIGTERM', ['x'])).toBe(EXIT.terminated);
    expect(fleetExitCode('SIGINT', [])).toBe(EXIT.interrupted);
    expect(fleetExitCode('EPIPE', ['x'])).toBe(EXIT.ok);
  });

  it('sums up per worker and renders the table, the kill and the demo summary lines', () => {
    const { state, advance } = finished('w3');
    state.worker('w3')!.polls = 1;
    advance(1_300);
    state.exited('w3', 'SIGKILL', { lastWords: 't2', asked: false });
    advance(3_000);
    state.polls('w1', { t2: 1 });
    state.closed('w1', { requests: 4, retries: 1, rateLimited: 0 });
    state.closed('w2', { requests: 3, retries: 0, rateLimited: 2 });
    for (const w of ['w1', 'w2']) state.exited(w, '0', { lastWords: null, asked: true });
    const summary = fleetSummary(state, { requests: 8, violations: 0, wallMs: 4_400, exitCode: 0 });
    expect(summary).toMatchObject({ tasks: 2, succeeded: 1, failed: 1, retries: 1, rateLimited: 2, results: { received: 4, expected: 4 } });
    expect(`\n${fleetSummaryText(summary)}`).toBe(`
every worker but the killed one received every task's result: 4 of 4
worker  pid  polls  results  found by its own polls
w1      100      4      2/2                       1
w2      101      3      2/2                       1
w3      102      1      0/2                       0  killed at 1.3s (--kill-one)
--kill-one: w3 (pid 102) was killed by SIGKILL at 1.3s as it began a poll of t2; w1 took t2 over 3.0s later, once the claim w3 held had lapsed
1 succeeded, 1 failed, 0 timed out (of 2 tasks)
8 requests sent, 1 retry, 2 rate-limited answers, 0 rate-limit violations counted by the simulator
wall time 4.4s, exit code 0
`);
  });

  it('says so when not every worker received every result', () => {
    const { state } = fleet(['w1', 'w2'], 2);
    state.settled('w1', 't1', 'SUCCESS', true, 1);
    expect(fleetSummaryText(fleetSummary(state, { requests: 1, violations: 0, wallMs: 1, exitCode: 1 }))).toMatch(/^not every worker received every task's result: 1 of 4\n/);
  });
});

describe('a task line', () => {
  const line: TaskLine = { taskId: 't1', family: 'suno', ending: 'KIE_TASK_FAILED', pollsBy: [['w1', 2], ['w4', 1]], workers: 4, spreadMs: 3, elapsedMs: 10 };
  it('names who polled it and how many workers had it, and the family when several are watched', () => {
    expect(taskText(line, false)).toBe('FAILED  polled by w1 ×2, w4 ×1; in all 4 workers within 3 ms');
    expect(taskText({ ...line, ending: 'SUCCESS', workers: 2 }, true)).toBe('suno  SUCCESS  polled by w1 ×2, w4 ×1; in both workers within 3 ms');
  });
});

describe('the live view of the fleet', () => {
  const row = (name: string, over: Partial<FleetRow> = {}): FleetRow => ({ name, pid: 4242, state: 'running', polls: 12, results: 3, foundHere: 1, exitedAt: null, ...over });
  const options = { tasks: 12, everywhere: 3, elapsedMs: 2_300, requests: 40, violations: 0, recent: ['1.1s  t1  SUCCESS  polled by w1 ×1; in all 3 workers within 2 ms'], columns: 100, maxLines: 20, color: false, now: 0 };

  it('draws a header, a row per worker with its bar, results, polls and state, then the latest events', () => {
    const lines = renderFleetFrame([row('w1'), row('w2', { state: 'killed', exitedAt: 1_100 }), row('w3', { state: 'closed', results: 12 })], options);
    expect(lines).toEqual([
      'kie-watch demo  3 workers  3/12 tasks in every worker  40 requests  0 violations  2.3s',
      '⠋ w1  pid 4242  █████░░░░░░░░░░░░░░░   3/12  12 polls  1 found itself',
      '- w2  pid 4242  █████░░░░░░░░░░░░░░░   3/12  12 polls  killed at 1.1s',
      '✔ w3  pid 4242  ████████████████████  12/12  12 polls  1 found itself',
      '  1.1s  t1  SUCCESS  polled by w1 ×1; in all 3 workers within 2 ms',
    ]);
  });

  it('fits a narrow terminal: the bar goes first, no line is wider than the screen', () => {
    const lines = renderFleetFrame([row('w1'), row('w10')], { ...options, columns: 40 });
    expect(lines.every((l) => [...l].length <= 39)).toBe(true);
    expect(lines[1]).not.toContain('█');
  });

  it('folds the workers that do not fit into one line, and drops the events first', () => {
    const rows = Array.from({ length: 16 }, (_, i) => row(`w${i + 1}`));
    const lines = renderFleetFrame(rows, { ...options, maxLines: 6 });
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)).toBe('  … 12 more workers');
  });

  it('colours only the symbol of an ended worker', () => {
    const [, line] = renderFleetFrame([row('w1', { state: 'died', exitedAt: 500 })], { ...options, color: true });
    expect(line?.startsWith('\x1b[31m✖\x1b[0m w1 ')).toBe(true);
    expect(line?.endsWith('died at 0.5s')).toBe(true);
  });
});

describe('the fleet reporters', () => {
  let clock: ReturnType<typeof FakeTimers.install>;
  beforeEach(() => {
    clock = FakeTimers.install({ toFake: ['setInterval', 'clearInterval', 'Date'], now: 0 });
  });
  afterEach(() => clock.uninstall());

  const REDIS: RedisDescription = { kind: 'private', server: 'redis-server 7.0.15', pid: 9, socket: '/tmp/x/redis.sock' };
  function captured() {
    const text = { out: '', err: '' };
    return { text, out: { write: (t: string) => (text.out += t) }, err: { write: (t: string) => (text.err += t) } };
  }
  function summaryOfRun(state: FleetState) {
    return fleetSummary(state, { requests: 3, violations: 0, wallMs: 2_500, exitCode: 0 });
  }
  const twoWorkers = (): FleetState => new FleetState([{ name: 'w1', pid: 11, victim: false }, { name: 'w2', pid: 12, victim: false }], watched(['t1']));

  it('plain: a line per event, a line per worker that moved every two seconds, the summary last and nothing after it', () => {
    const state = twoWorkers();
    const { text, out, err } = captured();
    const reporter = new PlainFleetReporter(out, err, state);
    state.listen(reporter);
    reporter.start(REDIS);
    expect(text.out).toBe('watching 1 task with 2 workers: w1 (pid 11), w2 (pid 12)\n');
    state.polls('w1', { t1: 2 });
    clock.tick(SNAPSHOT_MS);
    expect(text.out.split('\n').slice(1, -1)).toEqual(['   2.0s  w1  2 polls, 0/1 results (0 found by its own polls)', '   2.0s  w2  0 polls, 0/1 results (0 found by its own polls)']);
    clock.tick(SNAPSHOT_MS);
    state.settled('w1', 't1', 'SUCCESS', true, 1);
    state.settled('w2', 't1', 'SUCCESS', false, 3);
    expect(text.out.split('\n').at(-2)).toBe('   4.0s  t1  SUCCESS  polled by w1 ×2; in both workers within 2 ms');
    reporter.message('a message');
    expect(text.err).toBe('a message\n');
    reporter.finish(summaryOfRun(state));
    const before = text.out;
    clock.tick(SNAPSHOT_MS * 3);
    expect(text.out).toBe(before);
    expect(text.out).toContain("\nevery worker received every task's result: 2 of 2\n");
  });

  it('json: the fleet first, a workers line only when something moved, the summary last, human text on stderr', () => {
    const state = twoWorkers();
    const { text, out, err } = captured();
    const reporter = new JsonFleetReporter(out, err, state);
    state.listen(reporter);
    reporter.start(REDIS);
    clock.tick(SNAPSHOT_MS);
    clock.tick(SNAPSHOT_MS);
    state.polls('w2', { t1: 1 });
    clock.tick(SNAPSHOT_MS);
    state.settled('w1', 't1', 'KIE_TASK_FAILED', false, 5);
    state.settled('w2', 't1', 'KIE_TASK_FAILED', true, 5);
    reporter.message('to stderr');
    reporter.finish(summaryOfRun(state));
    const events = jsonLines(text.out);
    expect(events.map((e) => e.type)).toEqual(['fleet', 'workers', 'workers', 'task', 'summary']);
    expect(events[0]).toEqual({ type: 'fleet', tasks: 1, workers: [{ worker: 'w1', pid: 11 }, { worker: 'w2', pid: 12 }], redis: REDIS });
    expect(events[2]).toEqual({ type: 'workers', elapsedMs: 6_000, workers: [{ worker: 'w1', polls: 0, results: 0, foundHere: 0 }, { worker: 'w2', polls: 1, results: 0, foundHere: 0 }] });
    expect(events[3]).toEqual({ type: 'task', taskId: 't1', ending: 'KIE_TASK_FAILED', pollsBy: { w2: 1 }, workers: 2, spreadMs: 0, elapsedMs: 6_000 });
    expect(events[4]).toMatchObject({ type: 'summary', failed: 1, results: { received: 2, expected: 2 }, wallMs: 2_500 });
    expect(text.err).toBe('to stderr\n');
  });

  it('tty: hides the cursor while it redraws, holds messages until the end, then gives the cursor back and prints the summary', () => {
    const state = twoWorkers();
    const { text, out, err } = captured();
    const reporter = new TtyFleetReporter(out, err, state, { screen: { columns: 100, rows: 20 }, color: false, simulator: () => ({ requests: 7, violations: 0 }) });
    state.listen(reporter);
    reporter.message('before the view');
    reporter.start();
    reporter.message('held');
    expect(text.err).toBe('before the view\n');
    expect(text.out.startsWith('\x1b[?25l')).toBe(true);
    expect(text.out).toContain('kie-watch demo  2 workers  0/1 tasks in every worker  7 requests  0 violations  0.0s');
    state.settled('w1', 't1', 'SUCCESS', true, 1);
    state.settled('w2', 't1', 'SUCCESS', false, 1);
    reporter.finish(summaryOfRun(state));
    expect(text.out).toContain('1/1 tasks in every worker');
    expect(text.out).toContain('  0.0s  t1  SUCCESS  polled by none; in both workers within 0 ms');
    expect(text.out).toContain("\x1b[?25h\nevery worker received every task's result: 2 of 2\n");
    expect(text.err).toBe('before the view\nheld\n');
  });
});
