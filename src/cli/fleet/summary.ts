import type { SimulatedTaskSpec } from '../../simulator/index.js';
import { notAsScripted } from '../demo-tasks.js';
import { EXIT, stoppedExitCode } from '../exit-codes.js';
import type { FleetState, KilledLine, TakeoverLine, WorkerState, WorkerView } from './state.js';
import { count, formatDuration, summaryText, type Summary } from '../report.js';
import type { TaskEnding } from '../session.js';

/** One worker's line of the summary. */
export interface FleetWorkerSummary {
  readonly worker: string;
  readonly pid: number;
  /** Requests it sent, by its own count. */
  readonly polls: number;
  /** Tasks whose outcome it received. */
  readonly results: number;
  /** Of those, the ones its own poll found; the rest reached it through Redis. */
  readonly foundHere: number;
  readonly state: WorkerState;
  /** When a killed or dead worker exited (elapsed ms), and how; `null` for one closed at the end. */
  readonly exitedAtMs: number | null;
  readonly exit: string | null;
}

/** The end of `demo --workers`: the demo's summary, per worker, and the takeover. */
export interface FleetSummary extends Summary {
  readonly workers: readonly FleetWorkerSummary[];
  /** Results received by the workers that had to receive every one (all but a killed one), of how many. */
  readonly results: { readonly received: number; readonly expected: number };
  /** `--kill-one`: the worker killed, and the task whose claim it held. */
  readonly killed?: KilledLine;
  /** `--kill-one`: which worker polled the stranded task next, and how long after the kill. */
  readonly takeover?: TakeoverLine;
}

/** A worker that had to receive every result: all of them but the one `--kill-one` killed. */
function required(w: WorkerView): boolean {
  return w.state !== 'killed';
}

/** A task's ending as the fleet saw it: the first ending, other than interrupted, among the workers that had to settle it. */
function fleetEnding(state: FleetState, taskId: string): TaskEnding {
  for (const w of state.workers) {
    const ending = w.endings.get(taskId);
    if (required(w) && ending !== undefined && ending !== 'INTERRUPTED') return ending;
  }
  return 'INTERRUPTED';
}

/** Why the run failed, one line each; empty when it passed (or was stopped, which says neither). */
export function fleetProblems(state: FleetState, specs: readonly SimulatedTaskSpec[], taskIds: readonly string[], violations: number): string[] {
  const problems: string[] = [];
  for (const w of state.workers) {
    if (w.state === 'died') problems.push(`${w.name} (pid ${w.pid}) died unasked (${w.exit ?? 'unknown'}) at ${formatDuration(w.exitedAt ?? 0)}`);
    if (!required(w)) continue;
    const astray = notAsScripted(specs, taskIds, w.endings);
    if (astray.length > 0) {
      const shown = astray.slice(0, 3).map((t) => `${t.taskId} (scripted ${t.scripted}, ended ${t.ended})`);
      problems.push(`${w.name}: ${astray.length} of ${specs.length} tasks did not end as scripted: ${shown.join(', ')}${astray.length > 3 ? ', ...' : ''}`);
    }
  }
  // The whole point of the fleet is to share the limit: a violation is a bug, never a pass.
  if (violations > 0) problems.push(`the simulator counted ${count(violations, 'rate-limit violation')}; this is a bug in kie-watcher`);
  return problems;
}

/** The exit code: a stop says how it stopped; otherwise any problem fails the run. */
export function fleetExitCode(stoppedBy: string | undefined, problems: readonly string[]): number {
  if (stoppedBy !== undefined) return stoppedExitCode(stoppedBy);
  return problems.length === 0 ? EXIT.ok : EXIT.failed;
}

export function fleetSummary(
  state: FleetState,
  run: { readonly requests: number; readonly violations: number; readonly wallMs: number; readonly exitCode: number },
): FleetSummary {
  let succeeded = 0;
  let failed = 0;
  let timedOut = 0;
  let interrupted = 0;
  for (const task of state.tasks) {
    const ending = fleetEnding(state, task.taskId);
    if (ending === 'SUCCESS') succeeded += 1;
    else if (ending === 'INTERRUPTED') interrupted += 1;
    else if (ending === 'KIE_WATCH_TIMEOUT') timedOut += 1;
    else failed += 1;
  }
  const must = state.workers.filter(required);
  const sum = (f: (w: WorkerView) => number): number => state.workers.reduce((n, w) => n + f(w), 0);
  return {
    tasks: state.tasks.length,
    succeeded,
    failed,
    timedOut,
    interrupted,
    requests: run.requests,
    retries: sum((w) => w.stats?.retries ?? 0),
    rateLimited: sum((w) => w.stats?.rateLimited ?? 0),
    violations: run.violations,
    workers: state.workers.map((w) => ({
      worker: w.name,
      pid: w.pid,
      polls: w.polls,
      results: w.results,
      foundHere: w.foundHere,
      state: w.state,
      exitedAtMs: w.state === 'closed' ? null : w.exitedAt,
      exit: w.state === 'closed' ? null : w.exit,
    })),
    results: { received: must.reduce((n, w) => n + w.results, 0), expected: must.length * state.tasks.length },
    ...(state.killed === undefined ? {} : { killed: state.killed }),
    ...(state.takeover === undefined ? {} : { takeover: state.takeover }),
    wallMs: run.wallMs,
    exitCode: run.exitCode,
  };
}

function workerNote(w: FleetWorkerSummary): string {
  if (w.state === 'killed') return `killed at ${formatDuration(w.exitedAtMs ?? 0)} (--kill-one)`;
  if (w.state === 'died') return `died (${w.exit ?? 'unknown'}) at ${formatDuration(w.exitedAtMs ?? 0)}`;
  return '';
}

/** `w1 ×3, w4 ×1`. */
export function pollsByText(pollsBy: readonly (readonly [string, number])[]): string {
  return pollsBy.map(([w, n]) => `${w} ×${n}`).join(', ');
}

function headline(s: FleetSummary): string {
  const { received, expected } = s.results;
  const killed = s.workers.some((w) => w.state === 'killed');
  if (received === expected) return `${killed ? "every worker but the killed one" : 'every worker'} received every task's result: ${received} of ${expected}`;
  return `not every worker received every task's result: ${received} of ${expected}`;
}

function killText(s: FleetSummary): string[] {
  const k = s.killed;
  if (k === undefined) return [];
  const held = k.taskId === null ? '' : ` as it began a poll of ${k.taskId}`;
  const t = s.takeover;
  const after =
    t === undefined
      ? k.taskId === null
        ? ''
        : `; no other worker had polled ${k.taskId} when the run ended`
      : `; ${t.by} took ${t.taskId} over ${formatDuration(t.afterMs)} later, once the claim ${k.worker} held had lapsed`;
  return [`--kill-one: ${k.worker} (pid ${k.pid}) was killed by SIGKILL at ${formatDuration(k.elapsedMs)}${held}${after}`];
}

/** The summary as text: who received what, the table per worker, then the demo's own summary lines. */
export function fleetSummaryText(s: FleetSummary): string {
  const rows = s.workers.map((w) => [w.worker, String(w.pid), String(w.polls), `${w.results}/${s.tasks}`, String(w.foundHere), workerNote(w)] as const);
  const head = ['worker', 'pid', 'polls', 'results', 'found by its own polls', ''] as const;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  // Names and pids read left to right; counts line up on the right.
  const cell = (text: string, i: number): string => (i < 2 ? text.padEnd(widths[i] ?? 0) : i < 5 ? text.padStart(widths[i] ?? 0) : text);
  const line = (r: readonly string[]): string => r.map(cell).join('  ').trimEnd();
  return [headline(s), line(head), ...rows.map(line), ...killText(s), summaryText(s)].join('\n');
}
