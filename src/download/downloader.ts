import { Agent, type Dispatcher } from 'undici';
import { delay, type DownloadContext } from './context.js';
import { downloadFiles } from './download.js';
import type { DownloadableResult, DownloadedFile, DownloadOptions } from './types.js';

/** The account budget as a download sees it: when the next API request may go (epoch ms), and taking that slot. */
export interface AccountSlots {
  allowedAt(nowEpoch: number): number;
  take(nowEpoch: number): void;
}

/** Waits, abortably, until the account budget has a slot, and takes it. */
export function accountGate(slots: AccountSlots | undefined, epochNow: () => number): DownloadContext['gate'] {
  return async (signal) => {
    for (;;) {
      if (signal.aborted) throw signal.reason as Error;
      if (slots === undefined) return;
      const now = epochNow();
      const at = slots.allowedAt(now);
      if (at <= now) {
        slots.take(now);
        return;
      }
      await delay(at - now, signal);
    }
  };
}

export interface DownloaderOptions extends Omit<DownloadContext, 'dispatcher' | 'closed'> {
  /** Used for every request when given (it belongs to the caller); else an `Agent` of the downloader's own. */
  readonly dispatcher: Dispatcher | undefined;
}

/**
 * Owns what downloads share: one undici `Agent` (a keep-alive pool per host, the API's and the file hosts'),
 * apart from the watcher's polling pool so that a transfer never holds a connection a poll was counted for,
 * and the signal that stops them all on close.
 */
export class Downloader {
  readonly #opts: DownloaderOptions;
  readonly #closed = new AbortController();
  #agent: Agent | undefined;
  /** Downloads in progress: `close()` resolves once each has settled and removed its temporary file. */
  readonly #running = new Set<Promise<unknown>>();

  constructor(opts: DownloaderOptions) {
    this.#opts = opts;
  }

  #context(): DownloadContext {
    this.#agent ??= this.#opts.dispatcher ? undefined : new Agent({ connections: 16, keepAliveTimeout: 10_000, connectTimeout: this.#opts.requestTimeoutMs });
    return { ...this.#opts, dispatcher: this.#opts.dispatcher ?? (this.#agent as Agent), closed: this.#closed.signal };
  }

  download(result: DownloadableResult, options: DownloadOptions): Promise<DownloadedFile[]> {
    const run = downloadFiles(this.#context(), result, options);
    const settled: Promise<unknown> = run.then(
      () => this.#running.delete(settled),
      () => this.#running.delete(settled),
    );
    this.#running.add(settled);
    return run;
  }

  /** Stops every download (they reject with `WatcherClosedError`, temporary files removed) and closes the agent's sockets. */
  async close(): Promise<void> {
    this.#closed.abort();
    await Promise.all(this.#running);
    const agent = this.#agent;
    this.#agent = undefined;
    if (agent) await agent.destroy().catch(() => undefined);
  }
}
