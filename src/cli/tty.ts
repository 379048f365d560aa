import { TaskFailedError, type KieWatcherError, type WatchResult } from '../index.js';
import type { Sink } from './io.js';
import { formatDuration, summaryText, type Reporter, type Summary } from './report.js';

export type RowState = 'running' | 'succeeded' | 'failed' | 'timeout' | 'interrupted';

export interface Row {
  readonly taskId: string;
  progress: number;
  status: string;
  state: RowState;
  endedAt: number | null;
}

export interface Screen {
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

export interface FrameOptions {
  readonly now: number;
  readonly startedAt: number;
  readonly columns: number;
  /** Lines the frame may take; more tasks than fit are folded into one "more" line. */
  readonly maxLines: number;
  readonly color: boolean;
  readonly requests: number | undefined;
}

/** Redraws at most this often: fast enough for a 0.1 s clock, slow enough not to flood a remote terminal. */
export const REDRAW_MS = 100;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SYMBOL: Record<Exclude<RowState, 'running'>, [string, string]> = {
  succeeded: ['✔', '32'],
  failed: ['✖', '31'],
  timeout: ['!', '33'],
  interrupted: ['-', '90'],
};

function paint(text: string, code: string, color: boolean): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Cuts to the terminal width: a wrapped line would break the cursor arithmetic of the redraw. */
function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function bar(progress: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(progress * width)));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** Pure, so the layout is testable without a terminal. Returns the lines of one frame, without newlines. */
export function renderFrame(rows: readonly Row[], o: FrameOptions): string[] {
  const width = Math.max(20, o.columns - 1);
  const done = rows.filter((r) => r.state !== 'running');
  const count = (s: RowState): number => rows.filter((r) => r.state === s).length;
  const header =
    `kie-watch  ${done.length}/${rows.length} finished  ✔ ${count('succeeded')}  ✖ ${count('failed')}  ! ${count('timeout')}` +
    `${o.requests === undefined ? '' : `  ${o.requests} requests`}  ${formatDuration(o.now - o.startedAt)}`;
  const lines = [fit(header, width)];
  const idWidth = Math.min(28, Math.max(8, ...rows.map((r) => r.taskId.length)));
  const barWidth = o.columns < 80 ? 10 : 20;
  let shown: readonly Row[] = rows;
  let folded = 0;
  const room = Math.max(1, o.maxLines - 1);
  if (rows.length > room) {
    // Running tasks are the interesting ones, then the ones that went wrong; successes give way first.
    const rank = (r: Row): number => (r.state === 'running' ? 0 : r.state === 'succeeded' ? 2 : 1);
    shown = [...rows].sort((a, b) => rank(a) - rank(b)).slice(0, room - 1);
    folded = rows.length - shown.length;
  }
  for (const r of shown) {
    const symbol = r.state === 'running' ? (SPINNER[Math.floor(o.now / REDRAW_MS) % SPINNER.length] ?? ' ') : (SYMBOL[r.state][0]);
    const id = r.taskId.length > idWidth ? `${r.taskId.slice(0, idWidth - 1)}…` : r.taskId.padEnd(idWidth);
    const pct = `${Math.round(r.progress * 100)}%`.padStart(4);
    const elapsed = formatDuration((r.endedAt ?? o.now) - o.startedAt).padStart(7);
    const plain = fit(`${symbol} ${id} ${bar(r.progress, barWidth)} ${pct}  ${r.status.padEnd(18)} ${elapsed}`, width);
    // Colour only the symbol, after fitting, so escape codes never count against the width.
    lines.push(r.state === 'running' ? plain : paint(plain.slice(0, 1), SYMBOL[r.state][1], o.color) + plain.slice(1));
  }
  if (folded > 0) {
    const hidden = rows.filter((r) => !shown.includes(r));
    const fin = hidden.filter((r) => r.state !== 'running').length;
    lines.push(fit(`  … ${folded} more (${fin} finished, ${folded - fin} running)`, width));
  }
  return lines;
}

/**
 * The live view: one line per task, redrawn in place with cursor-up + clear-line, one write per frame so the
 * terminal never shows half a frame. Messages wait until the view is gone, as they would tear it.
 */
export class TtyReporter implements Reporter {
  readonly #out: Sink;
  readonly #err: Sink;
  readonly #screen: Screen;
  readonly #now: () => number;
  readonly #color: boolean;
  readonly #requests: (() => number) | undefined;
  readonly #rows = new Map<string, Row>();
  readonly #held: string[] = [];
  #startedAt = 0;
  #drawn = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(out: Sink, err: Sink, options: { screen: Screen; color: boolean; now?: () => number; requests?: () => number }) {
    this.#out = out;
    this.#err = err;
    this.#screen = options.screen;
    this.#color = options.color;
    this.#now = options.now ?? Date.now;
    this.#requests = options.requests;
  }

  start(taskIds: readonly string[]): void {
    this.#startedAt = this.#now();
    for (const taskId of taskIds) this.#rows.set(taskId, { taskId, progress: 0, status: 'WAITING', state: 'running', endedAt: null });
    this.#out.write('\x1b[?25l');
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    // The session's sockets keep the process alive; the view alone must not.
    this.#timer.unref();
  }

  #draw(): void {
    const lines = renderFrame([...this.#rows.values()], {
      now: this.#now(),
      startedAt: this.#startedAt,
      columns: this.#screen.columns ?? 80,
      maxLines: Math.max(3, (this.#screen.rows ?? 24) - 2),
      color: this.#color,
      requests: this.#requests?.(),
    });
    let frame = this.#drawn > 0 ? `\x1b[${this.#drawn}A\r` : '';
    for (const line of lines) frame += `\x1b[2K${line}\n`;
    if (lines.length < this.#drawn) frame += '\x1b[J';
    this.#drawn = lines.length;
    this.#out.write(frame);
  }

  #end(taskId: string, state: RowState, status: string, progress?: number): void {
    const row = this.#rows.get(taskId);
    if (!row) return;
    row.state = state;
    row.status = status;
    if (progress !== undefined) row.progress = progress;
    row.endedAt = this.#now();
  }

  progress(taskId: string, progress: number, status: string): void {
    const row = this.#rows.get(taskId);
    if (!row || row.state !== 'running') return;
    row.progress = progress;
    row.status = status;
  }

  completed(taskId: string, result: WatchResult): void {
    this.#end(taskId, 'succeeded', result.status, 1);
  }

  failed(taskId: string, error: KieWatcherError): void {
    this.#end(taskId, 'failed', error instanceof TaskFailedError ? (error.status ?? error.code) : error.code);
    this.#held.push(`${taskId}: ${error.message}`);
  }

  timeout(taskId: string): void {
    this.#end(taskId, 'timeout', 'TIMEOUT');
  }

  retry(): void {}

  rateLimited(): void {}

  message(text: string): void {
    if (this.#timer === undefined) this.#err.write(`${text}\n`);
    else this.#held.push(text);
  }

  finish(summary: Summary): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const row of this.#rows.values()) {
      if (row.state === 'running') {
        row.state = 'interrupted';
        row.status = 'INTERRUPTED';
        row.endedAt = this.#now();
      }
    }
    this.#draw();
    this.#out.write('\x1b[?25h');
    for (const text of this.#held.splice(0)) this.#err.write(`${text}\n`);
    this.#out.write(`\n${summaryText(summary)}`);
  }
}
