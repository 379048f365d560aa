import type { KieWatcherError, RateLimitedEvent, RetryEvent, WatchResult, WatchTimeoutError } from '../index.js';
import type { Sink } from './io.js';
import { serializeError, type Reporter, type Summary } from './report.js';

/** One JSON object per line on stdout, `summary` last; anything for humans goes to stderr. */
export class JsonLinesReporter implements Reporter {
  readonly #out: Sink;
  readonly #err: Sink;

  constructor(out: Sink, err: Sink) {
    this.#out = out;
    this.#err = err;
  }

  #line(value: Record<string, unknown>): void {
    this.#out.write(`${JSON.stringify(value)}\n`);
  }

  start(): void {}

  progress(taskId: string, progress: number, status: string): void {
    this.#line({ type: 'progress', taskId, progress, status });
  }

  completed(taskId: string, result: WatchResult, elapsedMs: number): void {
    this.#line({
      type: 'completed',
      taskId,
      status: result.status,
      resultUrls: result.resultUrls,
      createTime: result.createTime,
      completeTime: result.completeTime,
      elapsedMs: Math.round(elapsedMs),
    });
  }

  failed(taskId: string, error: KieWatcherError, elapsedMs: number): void {
    this.#line({ type: 'failed', taskId, error: serializeError(error), elapsedMs: Math.round(elapsedMs) });
  }

  timeout(taskId: string, error: WatchTimeoutError, elapsedMs: number): void {
    this.#line({ type: 'timeout', taskId, error: serializeError(error), elapsedMs: Math.round(elapsedMs) });
  }

  retry(event: RetryEvent): void {
    this.#line({ type: 'retry', taskId: event.taskId, attempt: event.attempt, delayMs: Math.round(event.delayMs), reason: event.reason });
  }

  rateLimited(event: RateLimitedEvent): void {
    this.#line({ type: 'rateLimited', taskId: event.taskId, scope: event.scope, delayMs: Math.round(event.delayMs), source: event.source });
  }

  message(text: string): void {
    this.#err.write(`${text}\n`);
  }

  finish(summary: Summary): void {
    this.#line({ type: 'summary', ...summary, wallMs: Math.round(summary.wallMs) });
  }
}
