import type { FleetReporter } from './report.js';
import { killedText, takeoverText, taskText } from './report.js';
import type { FleetState, KilledLine, TakeoverLine, TaskLine, WorkerState } from './state.js';
import { fleetSummaryText, type FleetSummary } from './summary.js';
import type { Sink } from '../io.js';
import { count, familiesShown, formatDuration } from '../report.js';
import { bar, fit, LiveFrame, paint, REDRAW_MS, SPINNER, type Screen } from '../tty.js';

/** One worker's row of the live view. */
export interface FleetRow {
  readonly name: string;
  readonly pid: number;
  readonly state: WorkerState;
  readonly polls: number;
  readonly results: number;
  readonly foundHere: number;
  readonly exitedAt: number | null;
}

export interface FleetFrameOptions {
  readonly tasks: number;
  /** Tasks whose outcome reached every running worker. */
  readonly everywhere: number;
  readonly elapsedMs: number;
  /** Requests and violations as the simulator counts them now. */
  readonly requests: number;
  readonly violations: number;
  /** The latest events, oldest first, already timed. */
  readonly recent: readonly string[];
  readonly columns: number;
  readonly maxLines: number;
  readonly color: boolean;
  /** Picks the spinner's frame. */
  readonly now: number;
}

/** The most event lines kept under the workers. */
const RECENT = 4;
const SYMBOL: Record<Exclude<WorkerState, 'running'>, [string, string]> = {
  closed: ['✔', '32'],
  killed: ['-', '90'],
  died: ['✖', '31'],
};

function note(r: FleetRow): string {
  if (r.state === 'killed') return `killed at ${formatDuration(r.exitedAt ?? 0)}`;
  if (r.state === 'died') return `died at ${formatDuration(r.exitedAt ?? 0)}`;
  return `${r.foundHere} found itself`;
}

/** Pure, so that the layout is testable without a terminal: the lines of one frame, without newlines. */
export function renderFleetFrame(rows: readonly FleetRow[], o: FleetFrameOptions): string[] {
  const width = Math.max(20, o.columns - 1);
  const header = `kie-watch demo  ${rows.length} workers  ${o.everywhere}/${o.tasks} tasks in every worker  ${count(o.requests, 'request')}  ${count(o.violations, 'violation')}  ${formatDuration(o.elapsedMs)}`;
  const lines = [fit(header, width)];
  const room = Math.max(1, o.maxLines - 1);
  const shown = rows.length <= room ? rows : rows.slice(0, room - 1);
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  const pidWidth = Math.max(...rows.map((r) => String(r.pid).length));
  const resultsWidth = String(o.tasks).length * 2 + 1;
  const pollsWidth = Math.max(...rows.map((r) => String(r.polls).length));
  for (const r of shown) {
    const symbol = r.state === 'running' ? (SPINNER[Math.floor(o.now / REDRAW_MS) % SPINNER.length] ?? ' ') : SYMBOL[r.state][0];
    const fixed = `${symbol} ${r.name.padEnd(nameWidth)}  pid ${String(r.pid).padEnd(pidWidth)}  `;
    const rest = `${`${r.results}/${o.tasks}`.padStart(resultsWidth)}  ${String(r.polls).padStart(pollsWidth)} polls  ${note(r)}`;
    // The bar repeats the count, so it is the first to go on a narrow terminal.
    const barWidth = [20, 10].find((w) => fixed.length + w + 2 + rest.length <= width) ?? 0;
    const barCell = barWidth > 0 ? `${bar(r.results / Math.max(1, o.tasks), barWidth)}  ` : '';
    const plain = fit(`${fixed}${barCell}${rest}`, width);
    lines.push(r.state === 'running' ? plain : paint(plain.slice(0, 1), SYMBOL[r.state][1], o.color) + plain.slice(1));
  }
  if (shown.length < rows.length) lines.push(fit(`  … ${rows.length - shown.length} more workers`, width));
  const recentRoom = Math.min(RECENT, o.maxLines - lines.length);
  if (recentRoom > 0) for (const text of o.recent.slice(-recentRoom)) lines.push(fit(`  ${text}`, width));
  return lines;
}

/** The live view of `demo --workers`: a row per worker, redrawn in place, and the latest events under it. */
export class TtyFleetReporter implements FleetReporter {
  readonly #out: Sink;
  readonly #err: Sink;
  readonly #state: FleetState;
  readonly #screen: Screen;
  readonly #color: boolean;
  readonly #simulator: () => { readonly requests: number; readonly violations: number };
  readonly #frame: LiveFrame;
  readonly #recent: string[] = [];
  readonly #held: string[] = [];
  readonly #showFamily: boolean;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    out: Sink,
    err: Sink,
    state: FleetState,
    options: { screen: Screen; color: boolean; simulator: () => { readonly requests: number; readonly violations: number } },
  ) {
    this.#out = out;
    this.#err = err;
    this.#state = state;
    this.#screen = options.screen;
    this.#color = options.color;
    this.#simulator = options.simulator;
    this.#frame = new LiveFrame(out);
    this.#showFamily = familiesShown(state.tasks) !== undefined;
  }

  start(): void {
    this.#out.write('\x1b[?25l');
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    this.#timer.unref();
  }

  #draw(): void {
    const s = this.#state;
    const { requests, violations } = this.#simulator();
    this.#frame.draw(
      renderFleetFrame(s.workers, {
        tasks: s.tasks.length,
        everywhere: s.tasks.filter((t) => t.everywhereAt !== null).length,
        elapsedMs: s.elapsed(),
        requests,
        violations,
        recent: this.#recent,
        columns: this.#screen.columns ?? 80,
        maxLines: Math.max(3, (this.#screen.rows ?? 24) - 2),
        color: this.#color,
        now: Date.now(),
      }),
    );
  }

  #event(subject: string, text: string): void {
    this.#recent.push(`${formatDuration(this.#state.elapsed())}  ${subject}  ${text}`);
    if (this.#recent.length > RECENT) this.#recent.shift();
  }

  task(line: TaskLine): void {
    this.#event(line.taskId, taskText(line, this.#showFamily));
  }

  killed(line: KilledLine): void {
    this.#event(line.worker, killedText(line));
  }

  takeover(line: TakeoverLine): void {
    this.#event(line.taskId, takeoverText(line));
  }

  message(text: string): void {
    if (this.#timer === undefined) this.#err.write(`${text}\n`);
    else this.#held.push(text);
  }

  finish(summary: FleetSummary): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draw();
    this.#out.write('\x1b[?25h');
    for (const text of this.#held.splice(0)) this.#err.write(`${text}\n`);
    this.#out.write(`\n${fleetSummaryText(summary)}`);
  }
}
