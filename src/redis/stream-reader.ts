import type { Redis } from 'ioredis';
import { keyOf } from './keys.js';
import type { FleetLogger, FleetMessage } from './types.js';

type Entry = [id: string, fields: string[]];
/** Pairs under RESP2 and ioredis' default reply mapping; an object under `replyMapping: 'resp3'`. */
type XReadReply = [key: string, entries: Entry[]][] | Record<string, Entry[]> | null;

/** Stream ids compare as (ms, seq) pairs of integers, not as strings. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm) || BigInt(as) - BigInt(bs);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

/** A read that took this much longer than its BLOCK timeout means the process was stopped or starved. */
const LAG_MS = 1_000;
/** How often the reader checks, in any case, that nothing it has not read was trimmed. */
const CHECK_EVERY_MS = 30_000;

/** XINFO STREAM's reply as a map: flat pairs under RESP2, a Map or an object under RESP3 mappings. */
function fieldsOfInfo(reply: unknown): Map<string, unknown> | null {
  if (reply instanceof Map) return new Map([...reply].map(([k, v]) => [String(k), v]));
  if (Array.isArray(reply)) {
    const m = new Map<string, unknown>();
    for (let i = 0; i + 1 < reply.length; i += 2) m.set(String(reply[i]), reply[i + 1]);
    return m;
  }
  if (typeof reply === 'object' && reply !== null) return new Map(Object.entries(reply));
  return null;
}

function fieldsOf(raw: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) m.set(raw[i] as string, raw[i + 1] as string);
  return m;
}

/**
 * Reads the results and events streams with `XREAD BLOCK` on a connection of its own (a blocked connection
 * can do nothing else) and resumes from the last id it delivered after a reconnect, so nothing still in the
 * stream is lost; pub/sub would drop what was published while the connection was down.
 */
export class StreamReader {
  readonly #conn: Redis;
  readonly #keys: readonly [string, string];
  readonly #ids: [string, string] = ['0-0', '0-0'];
  readonly #listener: (message: FleetMessage) => void;
  readonly #logger: FleetLogger;
  readonly #blockMs: number;
  #closed = false;
  #interrupted = false;
  #checkedAt = performance.now();
  #loop: Promise<void> | undefined;
  readonly #onClose = (): void => {
    this.#interrupted = true;
  };

  constructor(conn: Redis, keys: readonly [string, string], listener: (message: FleetMessage) => void, logger: FleetLogger, blockMs: number) {
    this.#conn = conn;
    this.#keys = keys;
    this.#listener = listener;
    this.#logger = logger;
    this.#blockMs = blockMs;
    conn.on('close', this.#onClose);
  }

  /** Resolves once the reader knows where it starts (the streams' current ends), then reads in the background. */
  async start(): Promise<void> {
    await this.#ready();
    for (let i = 0; i < 2; i++) this.#ids[i] = (await this.#lastId(this.#keys[i] as string)) ?? '0-0';
    this.#interrupted = false;
    this.#loop = this.#run();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#conn.off('close', this.#onClose);
    this.#conn.disconnect();
    await this.#loop;
  }

  async #lastId(key: string): Promise<string | null> {
    const top = (await this.#conn.xrevrange(key, '+', '-', 'COUNT', 1)) as Entry[];
    return top[0]?.[0] ?? null;
  }

  async #ready(): Promise<void> {
    if (this.#conn.status === 'ready') return;
    if (this.#conn.status === 'wait') await this.#conn.connect().catch(() => undefined);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#closed || this.#conn.status === 'ready') {
          this.#conn.off('ready', check);
          clearInterval(timer);
          resolve();
        }
      };
      // 'ready' may never come for a client that gave up reconnecting; the interval notices close() too.
      const timer = setInterval(check, 100);
      timer.unref();
      this.#conn.on('ready', check);
      check();
    });
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      if (this.#interrupted || this.#conn.status !== 'ready') {
        await this.#ready();
        if (this.#closed) return;
        try {
          await this.#afterReconnect();
        } catch (err) {
          this.#logger.debug({ err }, 'fleet stream reader: reconnect check failed');
          await this.#pause();
          continue;
        }
      }
      let reply: XReadReply;
      const startedAt = performance.now();
      try {
        reply = (await this.#conn.xread('COUNT', 1000, 'BLOCK', this.#blockMs, 'STREAMS', ...this.#keys, ...this.#ids)) as XReadReply;
      } catch (err) {
        if (this.#closed) return;
        this.#interrupted = true;
        this.#logger.debug({ err }, 'fleet stream reader: read failed; resuming after reconnect');
        await this.#pause();
        continue;
      }
      if (reply !== null) this.#deliver(reply);
      // Longer than a read can block: this process was stopped or starved, and the results stream may have
      // been trimmed past what it read. Checked then, and now and again in any case (a cheap XINFO).
      const now = performance.now();
      if (now - startedAt > this.#blockMs + LAG_MS || now - this.#checkedAt > CHECK_EVERY_MS) {
        this.#checkedAt = now;
        try {
          const removed = await this.#trimmedPast(this.#keys[0], this.#ids[0]);
          if (removed !== null) {
            // What was removed cannot be read: the stored results stand in for it (resync), once.
            if (removed !== '' && compareIds(removed, this.#ids[0]) > 0) this.#ids[0] = removed;
            this.#logger.warn({ lastId: this.#ids[0] }, 'fleet stream reader: results were trimmed before this process read them; resyncing');
            this.#emit({ type: 'resync' });
          }
        } catch (err) {
          this.#logger.debug({ err }, 'fleet stream reader: trim check failed');
        }
      }
    }
  }

  /**
   * Whether entries after `lastId` were removed unread: the largest removed id (Redis 7 keeps it), `''` when
   * only a first entry above `lastId` says so (before Redis 7; a harmless resync if it was no loss), or `null`.
   */
  async #trimmedPast(key: string, lastId: string): Promise<string | null> {
    const info = fieldsOfInfo(await this.#conn.xinfo('STREAM', key).catch(() => null));
    if (info === null) return null;
    const removed = info.get('max-deleted-entry-id');
    if (typeof removed === 'string') return compareIds(removed, lastId) > 0 ? removed : null;
    const first = info.get('first-entry');
    const firstId = Array.isArray(first) && typeof first[0] === 'string' ? first[0] : null;
    return firstId !== null && lastId !== '0-0' && compareIds(firstId, lastId) > 0 ? '' : null;
  }

  /**
   * After a reconnect, a stream whose newest id is below the last one read was recreated (Redis lost its
   * data), so reading resumes from its start; then the listener is told to re-read stored results, which
   * covers entries trimmed while the reader was away.
   */
  async #afterReconnect(): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const top = await this.#lastId(this.#keys[i] as string);
      if (top === null || compareIds(top, this.#ids[i] as string) < 0) this.#ids[i] = '0-0';
    }
    this.#interrupted = false;
    this.#emit({ type: 'resync' });
  }

  #deliver(reply: NonNullable<XReadReply>): void {
    for (const [key, entries] of Array.isArray(reply) ? reply : Object.entries(reply)) {
      const i = key === this.#keys[0] ? 0 : 1;
      for (const [id, raw] of entries) {
        this.#ids[i] = id;
        const f = fieldsOf(raw);
        const member = f.get('m');
        if (member === undefined) continue;
        if (i === 0) this.#emit({ type: 'final', key: keyOf(member), result: f.get('r') ?? '', id });
        else this.#emit({ type: 'event', key: keyOf(member), event: f.get('e') ?? '', id });
      }
    }
  }

  #emit(message: FleetMessage): void {
    try {
      this.#listener(message);
    } catch (err) {
      this.#logger.error({ err }, 'fleet stream listener threw');
    }
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 50).unref());
  }
}
