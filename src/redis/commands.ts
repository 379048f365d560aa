import { keyOf, memberOf } from './keys.js';
import type { Claim, Report, TaskKey } from './types.js';

/*
 * The scripts' calling conventions, by name: each `*Args` builds a script's ARGV from named fields and each
 * `decode*` reads its reply into named fields, in the order the script's header (scripts/<name>.lua) lists.
 * Nothing else in the store knows a position.
 */

const MAX_DELAY_MS = 2 ** 31 - 2;
/** Redis's stand-in for "no deadline" (the largest epoch ms a Date can hold). */
const NO_DEADLINE = 8.64e15;

/** A finite number in [min, max], or a RangeError naming it. */
export function positive(name: string, value: number | undefined, fallback: number, min = 1, max = MAX_DELAY_MS): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new RangeError(`${name} must be a number in [${min}, ${max}]`);
  return v;
}

const deadline = (raw: unknown): number => {
  const d = Number(raw);
  return d >= NO_DEADLINE ? Infinity : d;
};

/** One task to register with `RedisFleetStore.register`. */
export interface RegisterTask {
  /** The task. */
  readonly key: TaskKey;
  /** ms from Redis now until its waiter's deadline; `null`/absent: none. */
  readonly timeoutMs?: number | null | undefined;
  /** ms from Redis now until its first poll may be claimed. @default 0 */
  readonly delayMs?: number | undefined;
  /** When the fleet started watching it (epoch ms, Redis time); absent: Redis now. */
  readonly watchedAt?: number | undefined;
}

/**
 * `knownEpoch`: the epoch this process saw last (`null`: none), so that a loss of the data is recognised;
 * `proc`: this process's number in the fleet, recorded as holding an interest in each task (`null`: take one).
 */
export function registerArgs(knownEpoch: string | null, proc: number | null, tasks: readonly RegisterTask[]): (string | number)[] {
  const args: (string | number)[] = [knownEpoch ?? '', proc ?? '', tasks.length];
  for (const t of tasks) {
    args.push(
      memberOf(t.key),
      t.timeoutMs === null || t.timeoutMs === undefined ? -1 : positive('timeoutMs', t.timeoutMs, 0, 0, NO_DEADLINE),
      positive('delayMs', t.delayMs, 0, 0),
      t.watchedAt === undefined ? -1 : positive('watchedAt', t.watchedAt, 0, 0, NO_DEADLINE),
    );
  }
  return args;
}

export interface RegisterReply {
  readonly epoch: string;
  readonly now: number;
  /** This process's number (the one passed, or a new one). */
  readonly proc: number;
  /** Per task, in order: `n` made pending, `p` already pending, `r` settled with `result`. */
  readonly outcomes: readonly { readonly status: 'n' | 'p' | 'r'; readonly result: string }[];
}

export function decodeRegister(reply: unknown[], n: number): RegisterReply {
  const outcomes: { status: 'n' | 'p' | 'r'; result: string }[] = [];
  for (let j = 0; j < n; j++) {
    const status = String(reply[3 + j * 2]);
    outcomes.push({ status: status === 'r' ? 'r' : status === 'n' ? 'n' : 'p', result: String(reply[4 + j * 2] ?? '') });
  }
  return { epoch: String(reply[0]), now: Number(reply[1]), proc: Number(reply[2]), outcomes };
}

/** What a tick is told besides its reports. */
export interface TickParams {
  readonly owner: string;
  readonly leaseMs: number;
  readonly maxClaims: number;
  readonly intervalMs: number;
  /** The account budget's GCRA, or `null` for none. */
  readonly budget: { readonly intervalMs: number; readonly burst: number } | null;
  readonly resultTtlMs: number;
  readonly resultsMaxLen: number;
  readonly eventsMaxLen: number;
  /** How many due entries one tick looks at, at most. */
  readonly scanLimit: number;
  /** The epoch this process saw last (`null`: none), so that a loss of the data is recognised. */
  readonly knownEpoch: string | null;
  /** This process's number, to mark it alive with this tick (`null`: not this time). */
  readonly liveProc: number | null;
}

export function tickArgs(p: TickParams, reports: readonly Report[]): (string | number)[] {
  const args: (string | number)[] = [
    p.owner,
    p.leaseMs,
    p.maxClaims,
    p.intervalMs,
    p.budget?.intervalMs ?? 0,
    p.budget?.burst ?? 1,
    p.resultTtlMs,
    p.resultsMaxLen,
    p.eventsMaxLen,
    p.scanLimit,
    p.knownEpoch ?? '',
    p.liveProc ?? '',
    reports.length,
  ];
  for (const r of reports) pushReport(args, r);
  return args;
}

/** A report as six ARGV slots: kind, member, fence, delayMs, text1 (state | result), text2 (event). */
function pushReport(args: (string | number)[], r: Report): void {
  const member = memberOf(r.key);
  if (typeof r.fence !== 'number' || !Number.isFinite(r.fence)) throw new TypeError('report fence must be a number');
  const fence = r.fence.toFixed(0);
  switch (r.kind) {
    case 'next': {
      if (typeof r.state !== 'string') throw new TypeError('next report state must be a string');
      const delay = positive('delayMs', r.delayMs, 0, 0);
      args.push('n', member, fence, delay, r.state, r.event ?? '');
      return;
    }
    case 'final':
      if (typeof r.result !== 'string') throw new TypeError('final report result must be a string');
      args.push('f', member, fence, 0, r.result, '');
      return;
    case 'release':
      args.push('r', member, fence, 0, '', '');
      return;
    default:
      throw new TypeError(`unknown report kind ${String((r as { kind: unknown }).kind)}`);
  }
}

export interface TickReply {
  readonly epoch: string;
  /** Redis time when the script ran, epoch ms. */
  readonly now: number;
  /** Redis time a tick could next claim something; `null`: nothing pending. */
  readonly nextDueAt: number | null;
  readonly claims: Claim[];
  readonly expired: TaskKey[];
}

/** `validUntil`: the local monotonic time after which the reply's claims must not be used. */
export function decodeTick(reply: unknown[], validUntil: number): TickReply {
  const nextDue = Number(reply[2]);
  const n = Number(reply[3]);
  const claims: Claim[] = [];
  let i = 4;
  for (let c = 0; c < n; c++, i += 5) {
    const state = String(reply[i + 2]);
    claims.push({
      key: keyOf(String(reply[i])),
      fence: Number(reply[i + 1]),
      state: state === '' ? null : state,
      watchedAt: Number(reply[i + 3]),
      deadlineAt: deadline(reply[i + 4]),
      validUntil,
    });
  }
  const nExpired = Number(reply[i]);
  const expired: TaskKey[] = [];
  for (let e = 0; e < nExpired; e++) expired.push(keyOf(String(reply[i + 1 + e])));
  return { epoch: String(reply[0]), now: Number(reply[1]), nextDueAt: nextDue < 0 ? null : nextDue, claims, expired };
}

export function pokeArgs(keys: readonly TaskKey[], memoryMs: number): (string | number)[] {
  return [Math.ceil(memoryMs), ...keys.map(memberOf)];
}

/**
 * What a poke did: made the task due, flagged its claim, found it settled, remembered it for its registration,
 * or, for a task nobody registered, noted the callback only (`unknown`) or nothing, past the cap (`ignored`).
 */
export type PokeReply = 'due' | 'flagged' | 'settled' | 'remembered' | 'unknown' | 'ignored';

/** One reply per member poked, in order. */
export function decodePoke(reply: unknown): PokeReply[] {
  return (Array.isArray(reply) ? reply : [reply]).map((r) => String(r) as PokeReply);
}

export function pauseArgs(ms: number): (string | number)[] {
  return [Math.ceil(positive('ms', ms, 0, 1))];
}

/** `all`: every pending task; otherwise only those no live process holds an interest in. */
export function listArgs(cursor: string, count: number, all: boolean): (string | number)[] {
  return [cursor, count, all ? 1 : 0];
}

export interface ListReply {
  readonly cursor: string;
  readonly tasks: readonly { readonly member: string; readonly key: TaskKey; readonly watchedAt: number; readonly deadlineAt: number }[];
}

export function decodeList(reply: unknown[]): ListReply {
  const tasks: { member: string; key: TaskKey; watchedAt: number; deadlineAt: number }[] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const member = String(reply[i]);
    tasks.push({ member, key: keyOf(member), watchedAt: Number(reply[i + 1]), deadlineAt: deadline(reply[i + 2]) });
  }
  return { cursor: String(reply[0]), tasks };
}

/** create-slot.lua's ARGV: `take` a slot, `end` it (the request ended `marginMs` ago at the latest), or give it `back`. */
export function createSlotArgs(op: 'take' | 'end' | 'back', slot: string, limit: { readonly requests: number; readonly windowMs: number; readonly maxOutMs: number }, marginMs = 0): (string | number)[] {
  return [op, slot, limit.requests, Math.ceil(limit.windowMs), Math.ceil(limit.maxOutMs), Math.ceil(marginMs)];
}

/** create-slot.lua's reply: the slot is held, or ask again in `retryInMs`. */
export function decodeCreateSlot(reply: unknown[]): { readonly allowed: boolean; readonly retryInMs: number } {
  return { allowed: Number(reply[0]) === 1, retryInMs: Number(reply[1]) };
}

/** submit-key.lua's ARGV (see its header). */
export function submitKeyArgs(op: 'get' | 'claim' | 'created' | 'unknown' | 'release', token: string, ttlMs: number, extra: readonly (string | number)[] = []): (string | number)[] {
  return [op, token, Math.ceil(ttlMs), ...extra];
}

/** submit-key.lua's get / claim reply: Redis now and the key's record (`state` '' when free, `claimed` when just claimed). */
export interface SubmitKeyReply {
  readonly now: number;
  readonly state: string;
  readonly family: string;
  readonly sentAt: number | null;
  readonly until: number | null;
  readonly taskId: string;
  readonly reason: string;
}

export function decodeSubmitKey(reply: unknown[]): SubmitKeyReply {
  const num = (v: unknown): number | null => (v === '' || v === undefined || v === null ? null : Number(v));
  const [now, state, family, sentAt, until, taskId, reason] = reply.map((v) => (v === null || v === undefined ? '' : String(v)));
  return { now: Number(now), state: state ?? '', family: family ?? '', sentAt: num(sentAt), until: num(until), taskId: taskId ?? '', reason: reason ?? '' };
}
