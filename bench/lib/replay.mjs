// The engine of bench/safety-net-replay.mjs: the frontier workload (bench/lib/workload.mjs, the generator
// scenario 3 uses) watched under one polling policy, with no HTTP and no real time. An event loop in provider
// milliseconds follows what the engine does: the first poll at once, the policy's delay after each answer
// (clamped to the per-task spacing), a poke that polls at once or right after the answer in flight, progress
// rises dated halfway between two answers, the ETA from creation, and the callback miss rate over the last 64
// ends (src/engine/*). A request takes `latencyMs`, and the server reads the task halfway through it. A
// delivered callback reaches the handler `callbackDelayMs` after the end plus half a latency for its POST.
import { TaskWatcher } from '../../dist/index.js';
import { mulberry32 } from '../../dist/simulator/index.js';
import { summarize } from './metrics.mjs';
import { providerWorkload } from './workload.mjs';

/** The frontier's configuration (bench/run.mjs, CONFIG.full.workload). */
export const WORKLOAD = { count: 600, maxDurationMs: 600_000, spreadMs: 1_800_000, timeoutMs: 900_000 };
export const MIN_INTERVAL_MS = new TaskWatcher({ apiKey: 'replay' }).minIntervalMs;

/**
 * The simulator's progress curve (src/simulator/record.ts `progressAt`): `steps` plateaus at irregular times
 * and heights, all below 1. Re-derived here because the simulator does not export it; the weights are the same.
 */
function progressCurve(spec, seed) {
  const steps = spec.outcome === 'CREATE_TASK_FAILED' ? 0 : spec.progressSteps;
  if (steps === 0) return [];
  const rand = mulberry32(seed);
  const times = Array.from({ length: steps + 1 }, () => 0.3 + rand() * 1.4);
  const values = Array.from({ length: steps + 1 }, () => 0.2 + rand() * 1.6);
  const tTotal = times.reduce((a, b) => a + b, 0);
  const vTotal = values.reduce((a, b) => a + b, 0);
  const out = [];
  let tc = 0;
  let vc = 0;
  for (let i = 0; i < steps; i++) {
    tc += times[i];
    vc += values[i];
    out.push({ at: (spec.durationMs * tc) / tTotal, progress: Math.min(99, Math.floor((99 * vc) / vTotal)) / 100 });
  }
  return out;
}

function progressAt(curve, elapsed) {
  let p = 0;
  for (const step of curve) if (elapsed >= step.at) p = Math.max(p, step.progress);
  return p;
}

/** src/engine/callback-misses.ts: the share of the last 64 ends found by a scheduled poll, null under 8. */
class Misses {
  ring = [];
  next = 0;
  misses = 0;
  record(missed) {
    if (this.ring.length < 64) this.ring.push(missed);
    else {
      if (this.ring[this.next]) this.misses -= 1;
      this.ring[this.next] = missed;
      this.next = (this.next + 1) % 64;
    }
    if (missed) this.misses += 1;
  }
  get rate() {
    return this.ring.length < 8 ? null : this.misses / this.ring.length;
  }
}

/** A binary min-heap of events by time (ties by insertion). */
class Events {
  items = [];
  seq = 0;
  push(at, fn) {
    const e = { at, seq: this.seq++, fn };
    const a = this.items;
    a.push(e);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (less(a[p], a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
    return e;
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l], a[m])) m = l;
        if (r < a.length && less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
  get size() {
    return this.items.length;
  }
}
const less = (x, y) => x.at < y.at || (x.at === y.at && x.seq < y.seq);

/**
 * One run: every task of the workload watched with `policy` (expectCallback as given), callbacks lost with
 * probability `lossRate` (a seeded draw per task, the same draws for every policy).
 */
export function replay(policy, { seed, lossRate, expectCallback, callbacks, latencyMs = 100, callbackDelayMs = 0 }) {
  const workload = providerWorkload(WORKLOAD.count, { seed, maxDurationMs: WORKLOAD.maxDurationMs, spreadMs: WORKLOAD.spreadMs });
  const lose = mulberry32(seed ^ 0x9e3779b9);
  const events = new Events();
  const misses = new Misses();
  const tasks = workload.map(({ arriveAtMs, spec }, i) => ({
    createdAt: arriveAtMs,
    end: spec.outcome === 'NEVER' ? null : arriveAtMs + spec.durationMs,
    deadline: arriveAtMs + WORKLOAD.timeoutMs,
    lost: lose() < lossRate,
    curve: progressCurve(spec, (seed * 7919 + i) >>> 0),
    requests: 0,
    polls: 0,
    lastSentAt: -Infinity,
    inFlight: false,
    poked: false,
    lastPollPoked: false,
    pending: null,
    settledAt: null,
    progress: null,
    firstProgressAt: 0,
    lastProgressAt: 0,
    lastAnswerAt: -1,
  }));

  const schedule = (t, at) => {
    if (t.pending) t.pending.cancelled = true;
    // The per-task spacing: the scheduler defers a poll until the limiter admits it.
    t.pending = events.push(Math.max(at, t.lastSentAt + MIN_INTERVAL_MS), () => send(t));
  };
  const send = (t) => {
    t.pending = null;
    const now = events.now;
    if (t.settledAt !== null || now >= t.deadline) return;
    t.inFlight = true;
    t.lastSentAt = now;
    t.lastPollPoked = t.poked;
    t.poked = false;
    t.requests += 1;
    // The server reads the task halfway through the round trip.
    const final = t.end !== null && now + latencyMs / 2 >= t.end;
    const progress = progressAt(t.curve, now + latencyMs / 2 - t.createdAt);
    events.push(now + latencyMs, () => answer(t, final, progress));
  };
  const answer = (t, final, progress) => {
    const now = events.now;
    t.inFlight = false;
    t.polls += 1;
    if (final) {
      if (expectCallback) misses.record(!t.lastPollPoked);
      t.settledAt = now;
      return;
    }
    if (now >= t.deadline) return;
    // src/engine/progress.ts: a rise is dated halfway between this answer and the previous one.
    if (progress > 0 && (t.progress === null || progress > t.progress)) {
      if (t.progress === null) t.firstProgressAt = now;
      t.progress = progress;
      t.lastProgressAt = t.lastAnswerAt < 0 ? now : (t.lastAnswerAt + now) / 2;
    }
    t.lastAnswerAt = now;
    if (t.poked) return schedule(t, now);
    const age = now - t.createdAt;
    let etaMs = null;
    if (t.progress !== null && t.progress > 0 && t.createdAt < t.lastProgressAt) {
      etaMs = t.lastProgressAt + ((1 - t.progress) * (t.lastProgressAt - t.createdAt)) / t.progress - now;
    }
    const delay = policy({
      taskId: 't',
      family: 'gpt4o-image',
      watchedForMs: age,
      taskAgeMs: age,
      polls: t.polls,
      progress: t.progress,
      status: 'GENERATING',
      msSinceProgressChange: t.progress === null ? null : now - t.lastProgressAt,
      etaMs,
      minIntervalMs: MIN_INTERVAL_MS,
      expectCallback,
      callbackMissRate: misses.rate,
    });
    schedule(t, now + Math.max(MIN_INTERVAL_MS, Number.isFinite(delay) ? delay : MIN_INTERVAL_MS));
  };
  const poke = (t) => {
    if (t.settledAt !== null || events.now >= t.deadline) return;
    t.poked = true;
    if (!t.inFlight) schedule(t, events.now);
  };

  for (const t of tasks) {
    events.push(t.createdAt, () => schedule(t, t.createdAt));
    if (callbacks && t.end !== null && !t.lost) events.push(t.end + callbackDelayMs + latencyMs / 2, () => poke(t));
  }
  while (events.size > 0) {
    const e = events.pop();
    if (e.cancelled) continue;
    events.now = e.at;
    e.fn();
  }
  const delays = tasks.filter((t) => t.end !== null && t.settledAt !== null).map((t) => t.settledAt - t.end);
  const requests = tasks.reduce((a, t) => a + t.requests, 0);
  const d = summarize(delays);
  const lost = tasks.filter((t) => t.lost && t.end !== null && t.settledAt !== null).map((t) => t.settledAt - t.end);
  return {
    requestsPerTask: requests / tasks.length,
    p50: d.p50,
    p95: d.p95,
    p99: d.p99,
    timeouts: tasks.filter((t) => t.end !== null && t.settledAt === null).length,
    /** Delays of the tasks whose callback was lost (when callbacks are on). */
    lostDelays: lost,
  };
}

