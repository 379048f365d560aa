import { expect } from 'vitest';
import { killedText, takeoverText, taskText, workerText } from '../../src/cli/fleet/report.js';
import type { WorkerView } from '../../src/cli/fleet/state.js';
import { fleetSummaryText, type FleetSummary, type FleetWorkerSummary } from '../../src/cli/fleet/summary.js';
import type { TaskEnding } from '../../src/cli/session.js';

/**
 * Checks for the `demo --workers` output shown in docs/cli.md (test/docs/snippets.test.ts runs them): each line
 * is parsed back into the values it shows and rendered again by the CLI's own functions, so the page cannot
 * drift from what the command prints.
 */

const seconds = (text: string): number => Math.round(Number(text) * 1000);
const ENDINGS: Record<string, TaskEnding> = { SUCCESS: 'SUCCESS', FAILED: 'KIE_TASK_FAILED', TIMEOUT: 'KIE_WATCH_TIMEOUT' };

function eventText(subject: string, text: string): string {
  if (/^w\d+$/.test(subject)) {
    const killed = /^killed by SIGKILL \(--kill-one\) as it began a poll of (\S+), holding that task's claim$/.exec(text);
    if (killed) return killedText({ worker: subject, pid: 0, taskId: killed[1] ?? null, elapsedMs: 0 });
    const [, polls = '', results = '', tasks = '', foundHere = ''] = /^(\d+) polls?, (\d+)\/(\d+) results \((\d+) found by its own polls\)$/.exec(text) ?? [];
    const w = { polls: Number(polls), results: Number(results), foundHere: Number(foundHere) } as WorkerView;
    return workerText(w, Number(tasks));
  }
  const takeover = /^taken over by (w\d+), ([\d.]+)s after (w\d+) died with its claim$/.exec(text);
  if (takeover) return takeoverText({ taskId: subject, by: takeover[1] ?? '', afterMs: seconds(takeover[2] ?? ''), from: takeover[3] ?? '', elapsedMs: 0 });
  const [, ending = '', polled = '', all, n, spread = ''] = /^(\S+) {2}polled by (.+); in (all (\d+) workers|both workers|the one worker left) within (\d+) ms$/.exec(text) ?? [];
  const pollsBy = polled.split(', ').map((p) => {
    const [w = '', count = ''] = p.split(' ×');
    return [w, Number(count)] as const;
  });
  const workers = n !== undefined ? Number(n) : all === 'both workers' ? 2 : 1;
  return taskText({ taskId: subject, family: 'gpt4o-image', ending: ENDINGS[ending] ?? 'INTERNAL', pollsBy, workers, spreadMs: Number(spread), elapsedMs: 0 }, false);
}

function parseSummary(lines: readonly string[]): FleetSummary {
  const [headline = '', , ...rest] = lines;
  const [, received = '', expected = ''] = /received every task's result: (\d+) of (\d+)$/.exec(headline) ?? [];
  const workers: FleetWorkerSummary[] = [];
  let killed: FleetSummary['killed'];
  let takeover: FleetSummary['takeover'];
  let i = 0;
  for (; i < rest.length; i++) {
    const row = /^(w\d+) +(\d+) +(\d+) +(\d+)\/\d+ +(\d+)(?: {2}(killed|died \((\S+)\)) at ([\d.]+)s.*)?$/.exec(rest[i] ?? '');
    if (!row) break;
    const [, worker = '', pid, polls, results, foundHere, how, exit, at] = row;
    const state = how === undefined ? 'closed' : how === 'killed' ? 'killed' : 'died';
    workers.push({ worker, pid: Number(pid), polls: Number(polls), results: Number(results), foundHere: Number(foundHere), state, exitedAtMs: at === undefined ? null : seconds(at), exit: how === 'killed' ? 'SIGKILL' : (exit ?? null) });
  }
  const kill = /^--kill-one: (w\d+) \(pid (\d+)\) was killed by SIGKILL at ([\d.]+)s as it began a poll of (\S+); (w\d+) took \S+ over ([\d.]+)s later/.exec(rest[i] ?? '');
  if (kill) {
    const [, worker = '', pid, at = '', taskId = '', by = '', after = ''] = kill;
    killed = { worker, pid: Number(pid), taskId, elapsedMs: seconds(at) };
    takeover = { taskId, from: worker, by, afterMs: seconds(after), elapsedMs: 0 };
    i += 1;
  }
  const n = [...rest.slice(i).join('\n').matchAll(/\d+(\.\d+)?/g)].map((m) => Number(m[0]));
  const [succeeded = 0, failed = 0, timedOut = 0, tasks = 0, requests = 0, retries = 0, rateLimited = 0, violations = 0, wallS = 0, exitCode = 0] = n;
  return {
    tasks,
    succeeded,
    failed,
    timedOut,
    interrupted: 0,
    requests,
    retries,
    rateLimited,
    violations,
    workers,
    results: { received: Number(received), expected: Number(expected) },
    ...(killed === undefined ? {} : { killed }),
    ...(takeover === undefined ? {} : { takeover }),
    wallMs: wallS * 1000,
    exitCode,
  };
}

/** The plain stdout of a `demo --workers` run: its first line, the event lines, and the summary after the empty line. */
export function checkFleetPlainOutput(code: string): void {
  const [events = '', summary = ''] = code.split('\n\n');
  const [first = '', ...lines] = events.split('\n');
  expect(first).toMatch(/^watching \d+ tasks with \d+ workers: w1 \(pid \d+\)(, w\d+ \(pid \d+\))+$/);
  for (const line of lines) {
    const [, subject = '', text = ''] = /^ +\d+\.\ds {2}(\S+) {2}(.*)$/.exec(line) ?? [];
    expect(text, line).toBe(eventText(subject, text));
  }
  const parsed = parseSummary(summary.split('\n'));
  expect(`${summary}\n`).toBe(fleetSummaryText(parsed));
  // The example passes: as the command would, it must show no violation and every result received.
  if (parsed.violations === 0 && parsed.results.received === parsed.results.expected) expect(parsed.exitCode).toBe(0);
}

/** The stderr of a `demo --workers` run: what each line says, in the words the command uses. */
export function checkFleetMessages(code: string): void {
  const patterns = [
    /^kie-watch demo: simulator at http:\/\/127\.0\.0\.1:\d+, \d+ scripted tasks \(seed \d+, speed \d+\)$/,
    /^kie-watch demo: (redis|valkey)-server \d+\.\d+\.\d+ \(pid \d+\) on \/\S+\/redis\.sock, private to this run$/,
    /^kie-watch demo: \d+ workers, each a TaskWatcher on a RedisCoordinator, wait for every one of the \d+ tasks: one of them polls each task at a time, within its rate limit, and every result reaches all of them$/,
    /^kie-watch demo: --kill-one: w\d+ is killed with SIGKILL as it starts a poll after the first result; the claim it holds lapses after 3 s$/,
    /^kie-watch demo: every worker settled every task as scripted \(\d+ of \d+ were scripted to fail\)$/,
  ];
  const lines = code.trim().split('\n');
  expect(lines).toHaveLength(patterns.length);
  lines.forEach((line, i) => expect(line).toMatch(patterns[i] ?? /^$/));
}
