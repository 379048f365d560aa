import { TaskFailedError, type KieWatcherError, type RateLimitedEvent, type RetryEvent, type FamilyRef, type WatchResult, type WatchTimeoutError } from '../index.js';
import type { Sink } from './io.js';
import { count, familiesShown, failureText, formatDuration, summaryText, type Reporter, type Summary, type WatchedTask } from './report.js';

export type RowState = 'running' | 'succeeded' | 'failed' | 'timeout' | 'interrupted';

export interface Row {
  readonly taskId: string;
  /** Shown in a column of its own when set: the view sets it only when several families are watched. */
  readonly family?: string | undefined;
  progress: number;
  status: string;
  state: RowState;
  endedAt: number | null;
  /**
   * Why a running task is not moving (`retry ECONNREFUSED`, `rate limited`), shown instead of its status
   * until the next progress: without it a task behind a dead URL reads `0% WAITING` for minutes.
   */
  note?: string | undefined;
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
export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SYMBOL: Record<Exclude<RowState, 'running'>, [string, string]> = {
  succeeded: ['✔', '32'],
  failed: ['✖', '31'],
  timeout: ['!', '33'],
  interrupted: ['-', '90'],
};

export function paint(text: string, code: string, color: boolean): string {
  return color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Cuts to the terminal width: a wrapped line would break the cursor arithmetic of the redraw. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export function bar(progress: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(progress * width)));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

const clamp = (n: number, min: number, max: number): number => Math.max(min, Math.min(max, n));

/** The widths of one frame's columns, chosen so that status and time stay visible on a narrow terminal. */
interface Layout {
  readonly idWidth: number;
  /** 0: no family column. */
  readonly familyWidth: number;
  /** 0: no bar. */
  readonly barWidth: number;
  readonly statusWidth: number;
}

const STATUS_WIDTH = { min: 7, max: 24 } as const;
const ID_WIDTH = { min: 8, max: 28 } as const;
/** symbol + space, space after the id, "100%", two spaces, space before the time, the time. */
const FIXED_WIDTH = 2 + 1 + 4 + 2 + 1 + 7;

function statusCell(r: Row): string {
  return r.state === 'running' && r.note !== undefined ? r.note : r.status;
}

/**
 * The bar repeats the percentage, so it goes first when the line is short; then the id is shortened; then the
 * family column goes, so that status and time stay visible.
 */
function layout(rows: readonly Row[], width: number): Layout {
  const statusWidth = clamp(Math.max(0, ...rows.map((r) => statusCell(r).length)), STATUS_WIDTH.min, STATUS_WIDTH.max);
  const idFull = clamp(Math.max(0, ...rows.map((r) => r.taskId.length)), ID_WIDTH.min, ID_WIDTH.max);
  const familyFull = Math.max(0, ...rows.map((r) => r.family?.length ?? 0));
  const familyCost = (w: number): number => (w > 0 ? w + 1 : 0);
  // The family column stays as long as the id can shrink to make room for it.
  const familyWidth = FIXED_WIDTH + statusWidth + familyCost(familyFull) + ID_WIDTH.min <= width ? familyFull : 0;
  const fixed = FIXED_WIDTH + statusWidth + familyCost(familyWidth);
  for (const barWidth of [20, 10]) {
    if (fixed + idFull + barWidth + 1 <= width) return { idWidth: idFull, familyWidth, barWidth, statusWidth };
  }
  return { idWidth: clamp(width - fixed, ID_WIDTH.min, idFull), familyWidth, barWidth: 0, statusWidth };
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The header's parts in the order they give way on a narrow terminal: the name first, then the request count. */
function header(rows: readonly Row[], o: FrameOptions, width: number): string {
  const n = (s: RowState): number => rows.filter((r) => r.state === s).length;
  // An interrupted task did not finish: Ctrl-C must not turn "3/5" into "5/5".
  const finished = n('succeeded') + n('failed') + n('timeout');
  const counts = `✔ ${n('succeeded')}  ✖ ${n('failed')}  ! ${n('timeout')}${n('interrupted') > 0 ? `  - ${n('interrupted')}` : ''}`;
  const requests = o.requests === undefined ? undefined : count(o.requests, 'request');
  const time = formatDuration(o.now - o.startedAt);
  const candidates = [
    ['kie-watch', `${finished}/${rows.length} finished`, counts, requests, time],
    [`${finished}/${rows.length} finished`, counts, requests, time],
    [`${finished}/${rows.length}`, counts, time],
  ].map((parts) => parts.filter((p): p is string => p !== undefined).join('  '));
  return fit(candidates.find((c) => [...c].length <= width) ?? candidates.at(-1) ?? '', width);
}

/** Pure, so the layout is testable without a terminal. Returns the lines of one frame, without newlines. */
export function renderFrame(rows: readonly Row[], o: FrameOptions): string[] {
  const width = Math.max(20, o.columns - 1);
  const lines = [header(rows, o, width)];
  let shown: readonly Row[] = rows;
  let folded = 0;
  const room = Math.max(1, o.maxLines - 1);
  if (rows.length > room) {
    // Running tasks are the interesting ones, then the ones that went wrong; successes give way first.
    const rank = (r: Row): number => (r.state === 'running' ? 0 : r.state === 'succeeded' ? 2 : 1);
    shown = [...rows].sort((a, b) => rank(a) - rank(b)).slice(0, room - 1);
    folded = rows.length - shown.length;
  }
  const { idWidth, familyWidth, barWidth, statusWidth } = layout(shown, width);
  for (const r of shown) {
    const symbol = r.state === 'running' ? (SPINNER[Math.floor(o.now / REDRAW_MS) % SPINNER.length] ?? ' ') : SYMBOL[r.state][0];
    const id = cut(r.taskId, idWidth);
    const pct = `${Math.round(r.progress * 100)}%`.padStart(4);
    const elapsed = formatDuration((r.endedAt ?? o.now) - o.startedAt).padStart(7);
    const familyCell = familyWidth > 0 ? `${(r.family ?? '').padEnd(familyWidth)} ` : '';
    const barCell = barWidth > 0 ? `${bar(r.progress, barWidth)} ` : '';
    const plain = fit(`${symbol} ${id} ${familyCell}${barCell}${pct}  ${cut(statusCell(r), statusWidth)} ${elapsed}`, width);
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

/** Redraws a block of lines in place: cursor up over the last frame and clear each line, one write per frame. */
export class LiveFrame {
  readonly #out: Sink;
  #drawn = 0;

  constructor(out: Sink) {
    this.#out = out;
  }

  draw(lines: readonly string[]): void {
    let frame = this.#drawn > 0 ? `\x1b[${this.#drawn}A\r` : '';
    for (const line of lines) frame += `\x1b[2K${line}\n`;
    if (lines.length < this.#drawn) frame += '\x1b[J';
    this.#drawn = lines.length;
    this.#out.write(frame);
  }
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
  /** The last retry per task, kept past the next progress so a timeout or a give-up can say what went wrong. */
  readonly #lastRetry = new Map<string, { readonly text: string; readonly at: number }>();
  readonly #held: string[] = [];
  readonly #frame: LiveFrame;
  #startedAt = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(out: Sink, err: Sink, options: { screen: Screen; color: boolean; now?: () => number; requests?: () => number }) {
    this.#out = out;
    this.#frame = new LiveFrame(out);
    this.#err = err;
    this.#screen = options.screen;
    this.#color = options.color;
    this.#now = options.now ?? Date.now;
    this.#requests = options.requests;
  }

  start(tasks: readonly WatchedTask[]): void {
    this.#startedAt = this.#now();
    const families = familiesShown(tasks);
    for (const { taskId } of tasks) this.#rows.set(taskId, { taskId, family: families?.get(taskId), progress: 0, status: 'WAITING', state: 'running', endedAt: null });
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
    this.#frame.draw(lines);
  }

  #end(taskId: string, state: RowState, status: string, progress?: number): void {
    const row = this.#rows.get(taskId);
    if (!row) return;
    row.state = state;
    row.status = status;
    if (progress !== undefined) row.progress = progress;
    row.endedAt = this.#now();
  }

  progress(taskId: string, progress: number, status: string | null): void {
    const row = this.#rows.get(taskId);
    if (!row || row.state !== 'running') return;
    row.progress = progress;
    // A family whose records carry no status text (a flag only) reads "running", the watcher's own word.
    row.status = status ?? 'running';
    row.note = undefined;
  }

  completed(taskId: string, result: WatchResult<FamilyRef>): void {
    this.#end(taskId, 'succeeded', result.status, 1);
  }

  failed(taskId: string, error: KieWatcherError): void {
    this.#end(taskId, 'failed', error instanceof TaskFailedError ? (error.status ?? error.code) : error.code);
    // A task failure is the provider's verdict; anything else (a transport give-up) is explained by its retries.
    this.#held.push(`${taskId}: ${failureText(taskId, error)}${error instanceof TaskFailedError ? '' : this.#lastRetryText(taskId)}`);
  }

  timeout(taskId: string, error: WatchTimeoutError): void {
    this.#end(taskId, 'timeout', 'TIMEOUT');
    this.#held.push(`${taskId}: ${failureText(taskId, error)}${this.#lastRetryText(taskId)}`);
  }

  #lastRetryText(taskId: string): string {
    const last = this.#lastRetry.get(taskId);
    return last === undefined ? '' : `; last retry at ${formatDuration(last.at - this.#startedAt)}: ${last.text}`;
  }

  retry(event: RetryEvent): void {
    const row = this.#rows.get(event.taskId);
    if (!row || row.state !== 'running') return;
    row.note = `retry ${event.reason}`;
    this.#lastRetry.set(event.taskId, { text: `#${event.attempt} ${event.reason}`, at: this.#now() });
  }

  rateLimited(event: RateLimitedEvent): void {
    const row = this.#rows.get(event.taskId);
    if (!row || row.state !== 'running') return;
    row.note = event.scope === 'account' ? 'rate limited (account)' : 'rate limited';
  }

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
