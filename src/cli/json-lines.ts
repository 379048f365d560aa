import type { KieWatcherError, RateLimitedEvent, RetryEvent, FamilyRef, WatchResult, WatchTimeoutError } from '../index.js';
import type { Sink } from './io.js';
import { familiesShown, serializeError, type Reporter, type Summary, type WatchedTask } from './report.js';

/** One JSON object per line on stdout, `summary` last; anything for humans goes to stderr. */
export class JsonLinesReporter implements Reporter {
  readonly #out: Sink;
  readonly #err: Sink;
  #families: ReadonlyMap<string, string> | undefined;

  constructor(out: Sink, err: Sink) {
    this.#out = out;
    this.#err = err;
  }

  #line(value: Record<string, unknown>): void {
    this.#out.write(`${JSON.stringify(value)}\n`);
  }

  /** `{ family }` when the session watches several families, so each task line says which; else nothing. */
  #family(taskId: string): { readonly family?: string } {
    const family = this.#families?.get(taskId);
    return family === undefined ? {} : { family };
  }

  start(tasks: readonly WatchedTask[]): void {
    this.#families = familiesShown(tasks);
  }

  progress(taskId: string, progress: number, status: string | null): void {
    this.#line({ type: 'progress', taskId, ...this.#family(taskId), progress, status });
  }

  completed(taskId: string, result: WatchResult<FamilyRef>, elapsedMs: number): void {
    this.#line({
      type: 'completed',
      taskId,
      ...this.#family(taskId),
      status: result.status,
      resultUrls: result.resultUrls,
      createTime: result.createTime,
      completeTime: result.completeTime,
      elapsedMs: Math.round(elapsedMs),
    });
  }

  failed(taskId: string, error: KieWatcherError, elapsedMs: number): void {
    this.#line({ type: 'failed', taskId, ...this.#family(taskId), error: serializeError(error), elapsedMs: Math.round(elapsedMs) });
  }

  timeout(taskId: string, error: WatchTimeoutError, elapsedMs: number): void {
    this.#line({ type: 'timeout', taskId, ...this.#family(taskId), error: serializeError(error), elapsedMs: Math.round(elapsedMs) });
  }

  retry(event: RetryEvent): void {
    this.#line({ type: 'retry', taskId: event.taskId, ...this.#family(event.taskId), attempt: event.attempt, delayMs: Math.round(event.delayMs), reason: event.reason });
  }

  rateLimited(event: RateLimitedEvent): void {
    this.#line({ type: 'rateLimited', taskId: event.taskId, ...this.#family(event.taskId), scope: event.scope, delayMs: Math.round(event.delayMs), source: event.source });
  }

  message(text: string): void {
    this.#err.write(`${text}\n`);
  }

  finish(summary: Summary): void {
    this.#line({ type: 'summary', ...summary, wallMs: Math.round(summary.wallMs) });
  }
}
