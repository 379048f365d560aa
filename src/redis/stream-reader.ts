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

/** Entries one read takes from each stream at most. */
const READ_COUNT = 1000;

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
  readonly #count: number;
  #closed = false;
  #interrupted = false;
  #loop: Promise<void> | undefined;
  readonly #onClose = (): void => {
    this.#interrupted = true;
  };

  /**
   * `minKept`: the fewest entries the writers' trimming leaves in the results stream (its `MAXLEN ~`): a read
   * takes at most that many, so that a read behind a trim always comes back full.
   */
  constructor(conn: Redis, keys: readonly [string, string], listener: (message: FleetMessage) => void, logger: FleetLogger, blockMs: number, minKept: number) {
    this.#count = Math.max(1, Math.min(READ_COUNT, Math.floor(minKept)));
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
      const lastRead = this.#ids[0];
      try {
        reply = (await this.#conn.xread('COUNT', this.#count, 'BLOCK', this.#blockMs, 'STREAMS', ...this.#keys, ...this.#ids)) as XReadReply;
      } catch (err) {
        if (this.#closed) return;
        this.#interrupted = true;
        this.#logger.debug({ err }, 'fleet stream reader: read failed; resuming after reconnect');
        await this.#pause();
        continue;
      }
      if (reply === null) continue;
      // Trimming removes the oldest entries and leaves at least `minKept`: results after `lastRead` can only
      // have been removed unread if at least that many came after it, so this read came back full. How long
      // the process was stopped or starved says nothing: a read answered during a short stop looks quick.
      if (this.#deliver(reply) >= this.#count) await this.#checkTrim(lastRead);
    }
  }

  async #checkTrim(lastRead: string): Promise<void> {
    try {
      if (!(await this.#trimmedPast(this.#keys[0], lastRead))) return;
    } catch (err) {
      // Unknown: the stored results stand in for whatever may be lost (a resync costs one register call).
      this.#logger.debug({ err }, 'fleet stream reader: trim check failed');
    }
    this.#logger.warn({ lastRead }, 'fleet stream reader: results were trimmed before this process read them; resyncing');
    this.#emit({ type: 'resync' });
  }

  /**
   * Whether entries after `lastId` may have been removed unread: the oldest entry left is newer than it.
   * (XINFO's `max-deleted-entry-id` cannot say: trimming does not move it, only XDEL does.) A needless
   * resync, when the trim stopped exactly at `lastId`, is harmless.
   */
  async #trimmedPast(key: string, lastId: string): Promise<boolean> {
    const [oldest] = (await this.#conn.xrange(key, '-', '+', 'COUNT', 1)) as Entry[];
    return oldest !== undefined && compareIds(oldest[0], lastId) > 0;
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

  /** Delivers what a read returned; returns how many entries of the results stream it held. */
  #deliver(reply: NonNullable<XReadReply>): number {
    let results = 0;
    for (const [key, entries] of Array.isArray(reply) ? reply : Object.entries(reply)) {
      const i = key === this.#keys[0] ? 0 : 1;
      if (i === 0) results = entries.length;
      for (const [id, raw] of entries) {
        this.#ids[i] = id;
        const f = fieldsOf(raw);
        const member = f.get('m');
        if (member === undefined) continue;
        if (i === 0) this.#emit({ type: 'final', key: keyOf(member), result: f.get('r') ?? '', id });
        else this.#emit({ type: 'event', key: keyOf(member), event: f.get('e') ?? '', id });
      }
    }
    return results;
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
