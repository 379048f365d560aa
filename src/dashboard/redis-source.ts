import type { Redis } from 'ioredis';
import { accountBase, procKey, procsKey, statsKey } from '../redis/fleet-stats.js';
import { keyOf } from '../redis/keys.js';
import { BucketCache, countsOf } from './buckets.js';
import { fields, resultRow, streamIdTime, taskRow } from './decode.js';
import { BREAKDOWN, LOOKUP, TOP } from './scripts.js';
import type { DashboardAccount, DashboardProcess, DashboardResult, DashboardSource, DashboardSummary, DashboardTask } from './types.js';


/** Keys examined per SCAN step while looking for accounts. */
const SCAN_COUNT = 1000;
/**
 * Tasks counted per step of the pending-set breakdown, one step per refresh: each costs Redis a hash read, and
 * at 1,000 the step was most of a read's cost (about 3.5 of 5 ms of Redis CPU at 20,000 tasks; issue 19's
 * budget is 5% of the fleet's Redis CPU). A full pass takes 40 s at 20,000 tasks.
 */
const BREAKDOWN_STEP = 500;
const TABLE_ROWS = 50;
const RECENT = 20;
/** A process whose last heartbeat is older than this is shown as gone. */
const ALIVE_MS = 15_000;
const BUILT_IN_CODES = ['_4', '_f', '_l', '_k', '_m', '_r', '_s', '_v'];

interface AccountState {
  /** Last results-stream id read, `null` before the first read. */
  lastResultId: string | null;
  breakdownCursor: string;
  /** Counts of the pass under way, by family and state. */
  partial: Map<string, number>;
}

/**
 * Reads a fleet's state from Redis with a fixed number of calls per refresh, whatever the number of tasks: per
 * account a pipeline of plain reads, one script for the 50 tasks due soonest, and one step (500 tasks) of a
 * pass over the pending set that counts it by family and state; accounts are found by a SCAN spread the same way.
 * It never writes.
 */
export class RedisSource implements DashboardSource {
  readonly kind = 'redis' as const;
  readonly #redis: Redis;
  readonly #owns: boolean;
  readonly #prefix: string;
  readonly #accounts = new Map<string, AccountState>();
  readonly #buckets = new BucketCache();
  #scanCursor = '0';
  #seenThisPass = new Set<string>();
  #scannedOnce = false;
  #breakdown: DashboardSummary['breakdown'] = null;
  #doneThisPass = new Set<string>();
  #breakdownCounts = new Map<string, number>();
  #recent: DashboardResult[] = [];

  constructor(redis: Redis, prefix: string, owns: boolean) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#owns = owns;
  }

  async read(): Promise<DashboardSummary> {
    await this.#findAccounts();
    const timeReply = await this.#redis.time();
    const now = Number(timeReply[0]) * 1000 + Math.floor(Number(timeReply[1]) / 1000);
    const accounts: DashboardAccount[] = [];
    const processes: DashboardProcess[] = [];
    const tasks: DashboardTask[] = [];
    for (const [account, state] of this.#accounts) {
      const a = await this.#readAccount(account, state, now, processes, tasks);
      accounts.push(a);
    }
    this.#buckets.prune(new Set(this.#accounts.keys()), now);
    tasks.sort((x, y) => (x.nextDueAt ?? Infinity) - (y.nextDueAt ?? Infinity));
    this.#recent.sort((x, y) => y.at - x.at);
    this.#recent = this.#recent.slice(0, RECENT);
    const alive = processes.filter((p) => p.alive);
    return {
      at: now,
      source: 'redis',
      pending: accounts.reduce((s, a) => s + a.pending, 0),
      inFlight: alive.reduce((s, p) => s + p.tasksHeld, 0),
      ...this.#buckets.totals(now),
      processes,
      accounts,
      breakdown: this.#breakdown,
      tasks: tasks.slice(0, TABLE_ROWS),
      recent: this.#recent,
    };
  }

  async search(query: string, limit: number): Promise<DashboardTask[]> {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(query)) return [];
    if (!this.#scannedOnce) await this.#findAccounts();
    const out: DashboardTask[] = [];
    for (const account of this.#accounts.keys()) {
      const base = accountBase(this.#prefix, account);
      // Exact ids first (pending or settled, any built-in family), then ids that contain the query.
      const members = new Set(BUILT_IN_CODES.map((code) => `${code}:${query}`));
      let cursor = '0';
      do {
        const [next, items] = await this.#redis.zscan(`${base}due`, cursor, 'MATCH', `*${query}*`, 'COUNT', 2000);
        cursor = next;
        for (let i = 0; i < items.length; i += 2) if (keyOf(items[i] as string).taskId.includes(query)) members.add(items[i] as string);
      } while (cursor !== '0' && members.size < BUILT_IN_CODES.length + limit);
      const reply = (await LOOKUP.run(this.#redis, [`${base}due`], [...members])) as string[];
      for (let i = 0; i + 5 < reply.length; i += 6) {
        const [m, score, w, s, o, r] = reply.slice(i, i + 6) as [string, string, string, string, string, string];
        out.push(taskRow(m, score, w, s, o, r !== ''));
      }
    }
    const exact = out.filter((t) => t.taskId === query);
    return [...exact, ...out.filter((t) => t.taskId !== query)].slice(0, limit);
  }

  async close(): Promise<void> {
    if (this.#owns) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /**
   * One SCAN step for `<prefix>:{<account>}:` keys that show an account: `due`, `procs`, `proc:<owner>`, and,
   * once its processes are gone and nothing is pending, `results` and `stats:<bucket>` (the last hour's ends).
   * The pattern `[dprs][urte][eosa]*` matches those and none of the per-task keys (`t:...`); the first call walks
   * the whole keyspace so the first summary is complete. An account not seen during a whole pass is forgotten.
   */
  async #findAccounts(): Promise<void> {
    const pattern = `${this.#prefix}:{*}:[dprs][urte][eosa]*`;
    const head = `${this.#prefix}:{`;
    do {
      const [next, keys] = await this.#redis.scan(this.#scanCursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      this.#scanCursor = next;
      for (const key of keys) {
        const end = key.indexOf('}:', head.length);
        if (!key.startsWith(head) || end < 0) continue;
        const account = key.slice(head.length, end);
        this.#seenThisPass.add(account);
        if (!this.#accounts.has(account)) this.#accounts.set(account, { lastResultId: null, breakdownCursor: '0', partial: new Map() });
      }
      if (next === '0') {
        for (const account of this.#accounts.keys()) if (!this.#seenThisPass.has(account)) this.#accounts.delete(account);
        this.#seenThisPass = new Set();
        this.#scannedOnce = true;
        return;
      }
    } while (!this.#scannedOnce);
  }

  async #readAccount(account: string, state: AccountState, now: number, processes: DashboardProcess[], tasks: DashboardTask[]): Promise<DashboardAccount> {
    const redis = this.#redis;
    const base = accountBase(this.#prefix, account);
    const buckets = this.#buckets.wanted(account, now);
    const p = redis.pipeline();
    p.zcard(`${base}due`);
    p.pttl(`${base}pause`);
    p.get(`${base}budget`);
    p.zrange(procsKey(base), '0', '-1', 'WITHSCORES');
    if (state.lastResultId === null) p.xrevrange(`${base}results`, '+', '-', 'COUNT', String(RECENT));
    else p.xrange(`${base}results`, `(${state.lastResultId}`, '+', 'COUNT', '200');
    for (const b of buckets) p.hgetall(statsKey(base, b));
    const r = (await p.exec()) ?? [];
    const value = (i: number): unknown => {
      const entry = r[i];
      if (entry === undefined) throw new Error('dashboard: a pipeline reply is missing');
      if (entry[0] !== null) throw entry[0];
      return entry[1];
    };
    buckets.forEach((b, i) => this.#buckets.put(account, b, countsOf(fields(value(5 + i)))));
    this.#takeResults(state, value(4) as [string, string[]][]);

    const owners = value(3) as string[];
    const procs: { name: string; seen: number }[] = [];
    for (let i = 0; i + 1 < owners.length; i += 2) procs.push({ name: owners[i] as string, seen: Number(owners[i + 1]) });
    const q = redis.pipeline();
    for (const proc of procs) q.hgetall(procKey(base, proc.name));
    const details = (await q.exec()) ?? [];
    let budget: DashboardAccount['budget'] = null;
    procs.forEach((proc, i) => {
      const f = fields(details[i]?.[1]);
      const n = (k: string): number | null => (f[k] === undefined || f[k] === '' ? null : Number(f[k]));
      processes.push({
        name: proc.name,
        account,
        lastSeen: proc.seen,
        tasksHeld: n('h') ?? 0,
        capacity: n('c'),
        polls: n('p'),
        rateLimited: n('q'),
        startedAt: n('s'),
        alive: now - proc.seen < ALIVE_MS,
      });
      const rps = n('b');
      if (budget === null && rps !== null && rps > 0) {
        const burst = n('u') ?? Math.max(1, Math.floor(rps));
        const tat = Number(value(2) ?? 0);
        const inUse = Math.min(burst, Math.max(0, Math.ceil((tat - now) / (1000 / rps))));
        budget = { requestsPerSecond: rps, burst, inUse };
      }
    });

    const top = (await TOP.run(redis, [`${base}due`], [TABLE_ROWS])) as string[];
    for (let i = 0; i + 4 < top.length; i += 5) tasks.push(taskRow(top[i] as string, top[i + 1] as string, top[i + 2] as string, top[i + 3] as string, top[i + 4] as string));
    await this.#breakdownStep(account, state, now);
    return { account, pending: Number(value(0)), pausedMs: Math.max(0, Number(value(1))), budget };
  }

  #takeResults(state: AccountState, entries: [string, string[]][]): void {
    if (entries.length === 0) {
      state.lastResultId ??= '0-0';
      return;
    }
    const ordered = state.lastResultId === null ? [...entries].reverse() : entries;
    for (const [id, kv] of ordered) {
      const f = fields(kv);
      const row = f['m'] === undefined || f['r'] === undefined ? null : resultRow(f['m'], streamIdTime(id), f['r']);
      if (row !== null) this.#recent.push(row);
      state.lastResultId = id;
    }
  }

  /** One step of the pass that counts the pending set by family and state; a finished pass replaces the last. */
  async #breakdownStep(account: string, state: AccountState, now: number): Promise<void> {
    do {
      const reply = (await BREAKDOWN.run(this.#redis, [accountBase(this.#prefix, account) + 'due'], [state.breakdownCursor, BREAKDOWN_STEP])) as (string | number)[];
      state.breakdownCursor = String(reply[0]);
      for (let i = 1; i + 1 < reply.length; i += 2) {
        const k = String(reply[i]);
        state.partial.set(k, (state.partial.get(k) ?? 0) + Number(reply[i + 1]));
      }
      if (state.breakdownCursor === '0') {
        for (const [k, n] of state.partial) this.#breakdownCounts.set(`${account}\n${k}`, n);
        for (const k of [...this.#breakdownCounts.keys()]) if (k.startsWith(`${account}\n`) && !state.partial.has(k.slice(account.length + 1))) this.#breakdownCounts.delete(k);
        state.partial = new Map();
        this.#doneThisPass.add(account);
        this.#publishBreakdown(now);
      }
      // The first pass runs to its end, so that the first summaries already show it.
    } while (state.breakdownCursor !== '0' && this.#breakdown === null);
  }

  #publishBreakdown(now: number): void {
    if ([...this.#accounts.keys()].some((a) => !this.#doneThisPass.has(a))) return;
    const counts: Record<string, Record<string, number>> = {};
    for (const [k, n] of this.#breakdownCounts) {
      const [account, code, st] = k.split(/[\n\t]/) as [string, string, string];
      if (!this.#accounts.has(account)) continue;
      const family = keyOf(`${code}:x`).family;
      const row = (counts[family] ??= {});
      row[st] = (row[st] ?? 0) + n;
    }
    this.#breakdown = { at: now, counts };
  }
}
