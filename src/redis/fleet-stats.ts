import type { Redis } from 'ioredis';
import type { FleetHeartbeat } from '../fleet/coordinator.js';

/*
 * What the fleet publishes for its dashboard, beside the keys it runs on: each process writes, once a second
 * at most, one small hash about itself and adds its counters' increments to a shared 10-second bucket. A
 * dashboard reads a few of these keys per refresh instead of walking the pending set. All keys live under the
 * account's hash tag, like the fleet's own (`<prefix>:{<account>}:`).
 *
 *   procs            zset   member: owner, score: last heartbeat (epoch ms); entries older than a minute are
 *                           removed by the next heartbeat of any process
 *   proc:<owner>     hash   h held claims, c request slots, p polls, q 429s (since the process started),
 *                           s started at (epoch ms), b account budget (requests/s, '' for none), u burst;
 *                           expires 30 s after the last heartbeat
 *   stats:<bucket>   hash   p polls, q 429s, c completed, f failed, t timed out (dropped at their deadline) in
 *                           that 10-second bucket (bucket = floor(epoch ms / 10000)); expires after 65 min
 */

/** Width of one counter bucket. */
export const STATS_BUCKET_MS = 10_000;
/** How long a bucket is kept: the dashboard's longest window (an hour) plus a margin. */
export const STATS_TTL_MS = 65 * 60_000;
/** A process's own hash outlives its last heartbeat by this much. */
export const PROC_TTL_MS = 30_000;
/** A process absent from the `procs` zset for this long is removed from it. */
export const PROC_FORGET_MS = 60_000;

/** The counters a bucket holds, by field. */
export const STAT_FIELDS = { polls: 'p', rateLimited: 'q', completed: 'c', failed: 'f', timeout: 't' } as const;
export type StatName = keyof typeof STAT_FIELDS;

/** `<prefix>:{<account>}:`, the start of every key of one account. */
export function accountBase(prefix: string, account: string): string {
  return `${prefix}:{${account}}:`;
}

export const procsKey = (base: string): string => `${base}procs`;
export const procKey = (base: string, owner: string): string => `${base}proc:${owner}`;
export const statsKey = (base: string, bucket: number): string => `${base}stats:${bucket}`;

/** A heartbeat with the account budget the process enforces. */
export interface HeartbeatRecord extends FleetHeartbeat {
  /** Requests/s and burst of the account budget, `null` for none. */
  readonly budget: { readonly requestsPerSecond: number; readonly burst: number } | null;
}

/** Writes heartbeats of one process: one pipeline of a few commands, the counters as increments since the last. */
export class HeartbeatWriter {
  readonly #base: string;
  readonly #owner: string;
  readonly #startedAt = Date.now();
  #sent: Record<StatName, number> = { polls: 0, rateLimited: 0, completed: 0, failed: 0, timeout: 0 };

  constructor(base: string, owner: string) {
    this.#base = base;
    this.#owner = owner;
  }

  /** Sends one heartbeat on `redis`; the increments are kept for the next one if it fails. */
  async write(redis: Redis, beat: HeartbeatRecord, now = Date.now()): Promise<void> {
    const proc = procKey(this.#base, this.#owner);
    const procs = procsKey(this.#base);
    const bucket = statsKey(this.#base, Math.floor(now / STATS_BUCKET_MS));
    const p = redis.pipeline();
    p.hset(proc, 'h', beat.held, 'c', beat.capacity, 'p', beat.counters.polls, 'q', beat.counters.rateLimited, 's', this.#startedAt, 'b', beat.budget?.requestsPerSecond ?? '', 'u', beat.budget?.burst ?? '');
    p.pexpire(proc, PROC_TTL_MS);
    p.zadd(procs, now, this.#owner);
    p.zremrangebyscore(procs, '-inf', now - PROC_FORGET_MS);
    let counted = false;
    for (const [name, field] of Object.entries(STAT_FIELDS) as [StatName, string][]) {
      const delta = beat.counters[name] - this.#sent[name];
      if (delta > 0) {
        p.hincrby(bucket, field, delta);
        counted = true;
      }
    }
    if (counted) p.pexpire(bucket, STATS_TTL_MS);
    const replies = await p.exec();
    const failed = replies?.find(([err]) => err !== null);
    if (replies === null || failed !== undefined) throw (failed?.[0] as Error | undefined) ?? new Error('heartbeat pipeline was not run');
    this.#sent = { ...beat.counters };
  }

  /** Removes this process from the dashboard's list at once (a clean shutdown). */
  async remove(redis: Redis): Promise<void> {
    await redis.pipeline().zrem(procsKey(this.#base), this.#owner).del(procKey(this.#base, this.#owner)).exec();
  }
}
