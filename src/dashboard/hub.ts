import type { DashboardSource, DashboardSummary } from './types.js';

/** Something an SSE stream writes to. */
export interface Subscriber {
  /** One message, already framed (`data: ...\n\n`). */
  send(frame: string): void;
  /** The dashboard closed: end the stream. */
  end(): void;
}

/**
 * The one reader every open tab shares. While any tab listens it reads the source once per `intervalMs` and
 * sends the same serialized frame to all of them; with none, it reads only when `GET /api/summary` asks for a
 * summary older than `intervalMs` (concurrent asks share one read). Bull Board polls once per tab every 5 s;
 * here five tabs cost what one does.
 */
export class Hub {
  readonly #source: DashboardSource;
  readonly #intervalMs: number;
  readonly #subscribers = new Set<Subscriber>();
  #last: { summary: DashboardSummary; frame: string; readAt: number } | undefined;
  #reading: Promise<{ summary: DashboardSummary; frame: string }> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /** Reads made, for the tests that check five tabs cost one read. */
  reads = 0;
  #lastError: string | null = null;

  constructor(source: DashboardSource, intervalMs: number) {
    this.#source = source;
    this.#intervalMs = intervalMs;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** The latest summary, read now unless one at most `intervalMs` old is at hand. */
  async summary(): Promise<DashboardSummary> {
    const last = this.#last;
    if (last !== undefined && performance.now() - last.readAt < this.#intervalMs) return last.summary;
    return (await this.#read()).summary;
  }

  subscribe(s: Subscriber): () => void {
    this.#subscribers.add(s);
    if (this.#last !== undefined) s.send(this.#last.frame);
    if (this.#subscribers.size === 1) {
      this.#schedule(this.#last === undefined ? 0 : this.#intervalMs);
      // A comment line every 15 s keeps proxies from closing an idle stream.
      this.#keepAlive = setInterval(() => this.#broadcast(': keep-alive\n\n'), 15_000);
      this.#keepAlive.unref();
    }
    return () => {
      this.#subscribers.delete(s);
      if (this.#subscribers.size === 0) this.#stop();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop();
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of subscribers) s.end();
    await this.#reading?.catch(() => undefined);
  }

  #stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#keepAlive);
    this.#timer = undefined;
    this.#keepAlive = undefined;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#subscribers.size === 0 || this.#closed) return;
    const started = performance.now();
    try {
      const { frame } = await this.#read();
      this.#broadcast(frame);
      this.#lastError = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Said once per outage, not once per second.
      if (message !== this.#lastError) this.#broadcast(`event: problem\ndata: ${JSON.stringify({ message })}\n\n`);
      this.#lastError = message;
    }
    if (this.#subscribers.size > 0) this.#schedule(Math.max(0, this.#intervalMs - (performance.now() - started)));
  }

  #read(): Promise<{ summary: DashboardSummary; frame: string }> {
    this.#reading ??= this.#source
      .read()
      .then((summary) => {
        this.reads += 1;
        // Serialized once for every tab.
        const frame = `data: ${JSON.stringify(summary)}\n\n`;
        this.#last = { summary, frame, readAt: performance.now() };
        return { summary, frame };
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }

  #broadcast(frame: string): void {
    for (const s of this.#subscribers) s.send(frame);
  }
}
