import type { FleetListener, FleetState, KilledLine, TakeoverLine, TaskLine, WorkerView } from './state.js';
import { fleetSummaryText, pollsByText, type FleetSummary } from './summary.js';
import type { Sink } from '../io.js';
import { count, familiesShown, formatDuration } from '../report.js';
import type { TaskEnding } from '../session.js';

/** Where the fleet's Redis is, as the first output says. */
export type RedisDescription =
  | { readonly kind: 'private'; readonly server: string; readonly pid: number; readonly socket: string }
  | { readonly kind: 'external'; readonly server: string; readonly url: string; readonly prefix: string };

/** How often the plain and JSON outputs say where each worker stands. */
export const SNAPSHOT_MS = 2_000;

/** The reporters of `demo --workers`: the events as they happen, and the summary last. */
export interface FleetReporter extends FleetListener {
  start(redis: RedisDescription): void;
  finish(summary: FleetSummary): void;
}

/** `SUCCESS`, `FAILED` for a provider failure, else the code. */
export function endingLabel(ending: TaskEnding): string {
  if (ending === 'KIE_TASK_FAILED') return 'FAILED';
  if (ending === 'KIE_WATCH_TIMEOUT') return 'TIMEOUT';
  return ending;
}

export function taskText(line: TaskLine, showFamily: boolean): string {
  const polled = line.pollsBy.length === 0 ? 'polled by none' : `polled by ${pollsByText(line.pollsBy)}`;
  const family = showFamily ? `${line.family}  ` : '';
  const all = line.workers === 1 ? 'in the one worker left' : line.workers === 2 ? 'in both workers' : `in all ${line.workers} workers`;
  return `${family}${endingLabel(line.ending)}  ${polled}; ${all} within ${line.spreadMs} ms`;
}

export function killedText(line: KilledLine): string {
  const held = line.taskId === null ? '' : ` as it began a poll of ${line.taskId}, holding that task's claim`;
  return `killed by SIGKILL (--kill-one)${held}`;
}

export function takeoverText(line: TakeoverLine): string {
  return `taken over by ${line.by}, ${formatDuration(line.afterMs)} after ${line.from} died with its claim`;
}

export function workerText(w: WorkerView, tasks: number): string {
  return `${count(w.polls, 'poll')}, ${w.results}/${tasks} results (${w.foundHere} found by its own polls)`;
}

/** What changed since the last snapshot, so that an idle fleet does not repeat itself. */
function snapshotKey(w: WorkerView): string {
  return `${w.polls}/${w.results}/${w.state}`;
}

/** What the plain and JSON reporters share: where they write, the fleet, and a snapshot every two seconds. */
abstract class PeriodicFleetReporter implements FleetReporter {
  protected readonly out: Sink;
  protected readonly err: Sink;
  protected readonly state: FleetState;
  /** Whether task lines name the family: only when several are watched. */
  protected readonly showFamily: boolean;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(out: Sink, err: Sink, state: FleetState) {
    this.out = out;
    this.err = err;
    this.state = state;
    this.showFamily = familiesShown(state.tasks) !== undefined;
  }

  start(redis: RedisDescription): void {
    this.begin(redis);
    this.#timer = setInterval(() => this.snapshot(), SNAPSHOT_MS);
    // The workers and the simulator keep the process alive while it matters; this timer alone must not.
    this.#timer.unref();
  }

  finish(summary: FleetSummary): void {
    clearInterval(this.#timer);
    this.end(summary);
  }

  message(text: string): void {
    this.err.write(`${text}\n`);
  }

  protected abstract begin(redis: RedisDescription): void;
  protected abstract snapshot(): void;
  protected abstract end(summary: FleetSummary): void;
  abstract task(line: TaskLine): void;
  abstract killed(line: KilledLine): void;
  abstract takeover(line: TakeoverLine): void;
}

/** For pipes and log files: one line per event, and every two seconds a line per worker that moved. */
export class PlainFleetReporter extends PeriodicFleetReporter {
  readonly #seen = new Map<string, string>();

  #line(subject: string, text: string): void {
    this.out.write(`${formatDuration(this.state.elapsed()).padStart(7)}  ${subject}  ${text}\n`);
  }

  protected begin(): void {
    const s = this.state;
    this.out.write(`watching ${s.tasks.length} task${s.tasks.length === 1 ? '' : 's'} with ${s.workers.length} workers: ${s.workers.map((w) => `${w.name} (pid ${w.pid})`).join(', ')}\n`);
  }

  protected snapshot(): void {
    for (const w of this.state.live) {
      const key = snapshotKey(w);
      if (this.#seen.get(w.name) === key) continue;
      this.#seen.set(w.name, key);
      this.#line(w.name, workerText(w, this.state.tasks.length));
    }
  }

  task(line: TaskLine): void {
    this.#line(line.taskId, taskText(line, this.showFamily));
  }

  killed(line: KilledLine): void {
    this.#line(line.worker, killedText(line));
  }

  takeover(line: TakeoverLine): void {
    this.#line(line.taskId, takeoverText(line));
  }

  protected end(summary: FleetSummary): void {
    this.out.write(`\n${fleetSummaryText(summary)}`);
  }
}

/** One JSON object per line on stdout, `summary` last; human messages go to stderr. */
export class JsonFleetReporter extends PeriodicFleetReporter {
  #lastSnapshot = '';

  #line(value: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }

  protected begin(redis: RedisDescription): void {
    const s = this.state;
    this.#line({ type: 'fleet', tasks: s.tasks.length, workers: s.workers.map((w) => ({ worker: w.name, pid: w.pid })), redis });
  }

  protected snapshot(): void {
    const live = this.state.live;
    const key = live.map(snapshotKey).join();
    if (key === this.#lastSnapshot) return;
    this.#lastSnapshot = key;
    this.#line({
      type: 'workers',
      elapsedMs: this.state.elapsed(),
      workers: live.map((w) => ({ worker: w.name, polls: w.polls, results: w.results, foundHere: w.foundHere })),
    });
  }

  task(line: TaskLine): void {
    this.#line({
      type: 'task',
      taskId: line.taskId,
      ...(this.showFamily ? { family: line.family } : {}),
      ending: line.ending,
      pollsBy: Object.fromEntries(line.pollsBy),
      workers: line.workers,
      spreadMs: line.spreadMs,
      elapsedMs: line.elapsedMs,
    });
  }

  killed(line: KilledLine): void {
    this.#line({ type: 'killed', ...line });
  }

  takeover(line: TakeoverLine): void {
    this.#line({ type: 'takeover', ...line });
  }

  protected end(summary: FleetSummary): void {
    this.#line({ type: 'summary', ...summary, wallMs: Math.round(summary.wallMs) });
  }
}
