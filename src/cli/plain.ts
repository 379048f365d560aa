import { TaskFailedError, type KieWatcherError, type RateLimitedEvent, type RetryEvent, type FamilyRef, type WatchResult, type WatchTimeoutError } from '../index.js';
import type { Sink } from './io.js';
import { familiesShown, failureText, formatDuration, summaryText, type Reporter, type Summary, type WatchedTask } from './report.js';

/** For pipes and log files: one line per state change, nothing redrawn, so the output reads well in `less`. */
export class PlainReporter implements Reporter {
  readonly #out: Sink;
  readonly #err: Sink;
  readonly #now: () => number;
  #t0 = 0;
  #families: ReadonlyMap<string, string> | undefined;
  #familyWidth = 0;

  constructor(out: Sink, err: Sink, now: () => number = Date.now) {
    this.#out = out;
    this.#err = err;
    this.#now = now;
  }

  #line(taskId: string, text: string, elapsedMs = this.#now() - this.#t0): void {
    // With several families, each line names its task's family in a column of its own.
    const family = this.#families === undefined ? '' : `${(this.#families.get(taskId) ?? '').padEnd(this.#familyWidth)}  `;
    this.#out.write(`${formatDuration(elapsedMs).padStart(7)}  ${taskId}  ${family}${text}\n`);
  }

  start(tasks: readonly WatchedTask[]): void {
    this.#t0 = this.#now();
    this.#families = familiesShown(tasks);
    this.#familyWidth = Math.max(0, ...tasks.map((t) => t.family.length));
    this.#out.write(`watching ${tasks.length} task${tasks.length === 1 ? '' : 's'}\n`);
  }

  progress(taskId: string, progress: number, status: string | null): void {
    // A family whose records carry no status text (a flag only) says "running": the watcher's word, lower case.
    this.#line(taskId, `${status ?? 'running'} ${Math.round(progress * 100)}%`);
  }

  completed(taskId: string, result: WatchResult<FamilyRef>, elapsedMs: number): void {
    const urls = result.resultUrls;
    this.#line(taskId, `SUCCESS ${urls.length} result${urls.length === 1 ? '' : 's'}${urls[0] === undefined ? '' : `: ${urls[0]}`}`, elapsedMs);
  }

  failed(taskId: string, error: KieWatcherError, elapsedMs: number): void {
    const label = error instanceof TaskFailedError ? '' : `${error.code}: `;
    this.#line(taskId, `FAILED ${label}${failureText(taskId, error)}`, elapsedMs);
  }

  timeout(taskId: string, error: WatchTimeoutError, elapsedMs: number): void {
    this.#line(taskId, `TIMEOUT ${failureText(taskId, error)}`, elapsedMs);
  }

  retry(event: RetryEvent): void {
    this.#line(event.taskId, `retry #${event.attempt} in ${Math.round(event.delayMs)} ms: ${event.reason}`);
  }

  rateLimited(event: RateLimitedEvent): void {
    this.#line(event.taskId, `rate limited (${event.scope}, ${event.source}); waiting ${Math.round(event.delayMs)} ms`);
  }

  message(text: string): void {
    this.#err.write(`${text}\n`);
  }

  finish(summary: Summary): void {
    this.#out.write(`\n${summaryText(summary)}`);
  }
}
