/**
 * Every family end to end: ONE TaskWatcher (one scheduler, one account budget) watches tasks of all 8 families
 * at once against the real simulator on a loopback port, through its own connection pool. The session runs
 * once; each test below asserts one behaviour of it. A custom family (defineFamily) is tested at the end
 * against a server of the test's own, since the simulator does not know its endpoint.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CHANNELS,
  FAMILIES,
  KieApiError,
  TaskFailedError,
  TaskWatcher,
  WatchTimeoutError,
  defineFamily,
  type KnownFamilyId,
  type PollStartMessage,
  type ProgressEvent,
  type RetryEvent,
  type WatchResult,
} from '../../src/index.js';
import { startSimulator, type KieSimulator, type SimulatedOutcome, type SimulatedTaskSpec } from '../../src/simulator/index.js';
import { maxInWindow } from '../helpers/windows.js';
import { sendJson, testServer, type TestServer } from '../reliability/helpers.js';

const KEY = 'families-e2e-key-7c41d2';
const ALL = Object.keys(FAMILIES) as KnownFamilyId[];
/** Families whose records carry no status text: their views and failures say `null`, never an invented text. */
const FLAG_ONLY = new Set<KnownFamilyId>(['veo', 'flux-kontext', 'luma', 'mj']);
/** Every status text each family documents (FACTS.md, "Other task families"). */
const DOCUMENTED: Readonly<Record<KnownFamilyId, readonly (string | null)[]>> = {
  'gpt4o-image': ['GENERATING', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_FAILED'],
  market: ['waiting', 'queuing', 'generating', 'success', 'fail'],
  veo: [null],
  'flux-kontext': [null],
  runway: ['wait', 'queueing', 'generating', 'success', 'fail'],
  luma: [null],
  suno: ['PENDING', 'TEXT_SUCCESS', 'FIRST_SUCCESS', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_AUDIO_FAILED', 'CALLBACK_EXCEPTION', 'SENSITIVE_WORD_ERROR'],
  mj: [null],
};
/** The text a family shows while it runs (what a deadline reports as `lastStatus`). */
const RUNNING: Readonly<Record<KnownFamilyId, string | null>> = {
  'gpt4o-image': 'GENERATING',
  market: 'generating',
  veo: null,
  'flux-kontext': null,
  runway: 'generating',
  luma: null,
  // A task stalled at the end of its run has one track with audio: FIRST_SUCCESS, still not final.
  suno: 'FIRST_SUCCESS',
  mj: null,
};
const SUCCESS_TEXT: Readonly<Record<KnownFamilyId, string | null>> = {
  'gpt4o-image': 'SUCCESS',
  market: 'success',
  veo: null,
  'flux-kontext': null,
  runway: 'success',
  luma: null,
  suno: 'SUCCESS',
  mj: null,
};

/** The primary media each family makes: Suno two tracks, a Midjourney grid of four, one file otherwise. */
const MEDIA: Readonly<Record<KnownFamilyId, readonly [extension: string, count: number]>> = {
  'gpt4o-image': ['png', 1],
  market: ['png', 1],
  veo: ['mp4', 1],
  'flux-kontext': ['png', 1],
  runway: ['mp4', 1],
  luma: ['mp4', 1],
  suno: ['mp3', 2],
  mj: ['jpeg', 4],
};
const urlsOf = (family: KnownFamilyId, label: string): string[] => {
  const [ext, n] = MEDIA[family];
  return Array.from({ length: n }, (_, i) => `https://cdn.test/${family}/${label}/${i}.${ext}`);
};

type Failure = Exclude<SimulatedOutcome, 'SUCCESS' | 'NEVER'>;
const FAILURES: readonly Failure[] = ['GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];
/** Explicit codes, so each family is seen carrying the record's own code and message into the error. */
const FAILURE_DETAILS: Readonly<Record<Exclude<Failure, 'MODERATED'>, { errorCode: number; errorMessage: string }>> = {
  GENERATE_FAILED: { errorCode: 500, errorMessage: 'upstream model error' },
  CREATE_TASK_FAILED: { errorCode: 451, errorMessage: 'could not fetch the input image' },
};

/** What each family's record says about a failure: its own final status, or only a flag. */
function expectedFailure(family: KnownFamilyId, outcome: Failure): { status: string | null; successFlag: number | null } {
  if (FLAG_ONLY.has(family)) return { status: null, successFlag: outcome === 'CREATE_TASK_FAILED' ? 2 : 3 };
  switch (family) {
    case 'gpt4o-image':
      return outcome === 'MODERATED' ? { status: 'GENERATE_FAILED', successFlag: 3 } : { status: outcome, successFlag: 2 };
    case 'suno':
      return { status: { GENERATE_FAILED: 'GENERATE_AUDIO_FAILED', CREATE_TASK_FAILED: 'CREATE_TASK_FAILED', MODERATED: 'SENSITIVE_WORD_ERROR' }[outcome], successFlag: null };
    default:
      return { status: 'fail', successFlag: null };
  }
}

// --- the session ------------------------------------------------------------------------------------

interface Case {
  readonly label: string;
  /** The family the task really is. */
  readonly family: KnownFamilyId;
  /** The family it is watched as (a wrong one for the unknown-task cases). */
  readonly watchAs: KnownFamilyId;
  readonly spec: SimulatedTaskSpec;
  readonly timeoutMs: number;
  /** What it must end with: 'SUCCESS', or an error code. */
  readonly expected: 'SUCCESS' | 'KIE_TASK_FAILED' | 'KIE_WATCH_TIMEOUT' | 'KIE_API_ERROR';
}

const GRACE_MS = 3_000;
const BUDGET_PER_S = 60;
const SUCCESS_MS = 6_000;

function cases(): Case[] {
  const out: Case[] = [];
  const add = (label: string, family: KnownFamilyId, spec: Omit<SimulatedTaskSpec, 'family' | 'taskId'>, expected: Case['expected'], extra: Partial<Case> = {}): void => {
    out.push({ label, family, watchAs: family, spec: { ...spec, family, taskId: `fam-${label.replace(/[^a-z0-9]+/gi, '-')}` }, timeoutMs: 20_000, expected, ...extra });
  };
  for (const f of ALL) {
    // Long enough that Suno shows TEXT_SUCCESS and FIRST_SUCCESS (a third of the run each) to a budgeted poller.
    add(`${f}/success`, f, { outcome: 'SUCCESS', durationMs: SUCCESS_MS, resultUrls: urlsOf(f, 'success'), quirk: false }, 'SUCCESS');
    for (const outcome of FAILURES) {
      const details = outcome === 'MODERATED' ? {} : FAILURE_DETAILS[outcome];
      add(`${f}/${outcome}`, f, { outcome, durationMs: 2_500, ...details }, 'KIE_TASK_FAILED');
    }
    add(`${f}/never`, f, { outcome: 'NEVER', durationMs: 300 }, 'KIE_WATCH_TIMEOUT', { timeoutMs: 4_500 });
    add(`${f}/late`, f, { outcome: 'SUCCESS', durationMs: 2_500, invisibleForMs: 1_500, resultUrls: urlsOf(f, 'late') }, 'SUCCESS');
  }
  for (const f of ['runway', 'luma'] as const) add(`${f}/quirk`, f, { outcome: 'SUCCESS', durationMs: 2_500, resultUrls: urlsOf(f, 'quirk'), quirk: true }, 'SUCCESS');
  for (const f of ['gpt4o-image', 'veo', 'luma'] as const) {
    add(`${f}/quickstart`, f, { outcome: 'SUCCESS', durationMs: 2_500, resultUrls: urlsOf(f, 'quickstart'), variant: 'quickstart' }, 'SUCCESS');
  }
  // A market task watched as Suno and a Veo task watched as 4o: each other path calls it unknown.
  add('market-as-suno', 'market', { outcome: 'SUCCESS', durationMs: 2_000, resultUrls: urlsOf('market', 'x') }, 'KIE_API_ERROR', { watchAs: 'suno' });
  add('veo-as-gpt4o', 'veo', { outcome: 'SUCCESS', durationMs: 2_000, resultUrls: urlsOf('veo', 'x') }, 'KIE_API_ERROR', { watchAs: 'gpt4o-image' });
  return out;
}

interface Ended {
  readonly result?: WatchResult<KnownFamilyId>;
  readonly error?: unknown;
  /** ms after the session started. */
  readonly at: number;
}

interface Session {
  readonly sim: KieSimulator;
  readonly cases: Case[];
  readonly ended: Map<string, Ended>;
  /** Progress events by `${family}:${taskId}`, in order. */
  readonly progress: Map<string, ProgressEvent[]>;
  readonly retries: RetryEvent[];
  /** performance.now() of every request the watcher sent for these tasks. */
  readonly pollStarts: number[];
  /** The same taskId watched under its own family, next to its wrong-family watch. */
  readonly sharedIdResult: WatchResult<'market'>;
  readonly typed: Awaited<ReturnType<typeof typedWaits>>;
  readonly createdAt: number;
}

/** One wait per family with the family named literally, so each result's record is typed without a cast. */
async function typedWaits(w: TaskWatcher, id: (label: string) => string) {
  const [gpt4o, market, veo, flux, runway, runwayQuirk, luma, lumaQuirk, suno, mj, gpt4oQuickstart] = await Promise.all([
    w.waitForCompletion(id('gpt4o-image/success'), { family: 'gpt4o-image' }),
    w.waitForCompletion(id('market/success'), { family: 'market' }),
    w.waitForCompletion(id('veo/success'), { family: 'veo' }),
    w.waitForCompletion(id('flux-kontext/success'), { family: 'flux-kontext' }),
    w.waitForCompletion(id('runway/success'), { family: 'runway' }),
    w.waitForCompletion(id('runway/quirk'), { family: 'runway' }),
    w.waitForCompletion(id('luma/success'), { family: 'luma' }),
    w.waitForCompletion(id('luma/quirk'), { family: 'luma' }),
    w.waitForCompletion(id('suno/success'), { family: 'suno' }),
    w.waitForCompletion(id('mj/success'), { family: 'mj' }),
    w.waitForCompletion(id('gpt4o-image/quickstart'), { family: 'gpt4o-image' }),
  ]);
  return { gpt4o, market, veo, flux, runway, runwayQuirk, luma, lumaQuirk, suno, mj, gpt4oQuickstart };
}

async function runSession(): Promise<{ session: Session; close: () => Promise<void> }> {
  const sim = await startSimulator({ apiKey: KEY, seed: 9 });
  const list = cases();
  const createdAt = Date.now();
  sim.addTasks(list.map((c) => c.spec));
  const idOf = new Map(list.map((c) => [c.label, c.spec.taskId ?? '']));
  const id = (label: string): string => idOf.get(label) ?? '';
  const mine = new Set(idOf.values());

  const pollStarts: number[] = [];
  const onPollStart = (message: unknown): void => {
    if (mine.has((message as PollStartMessage).taskId)) pollStarts.push(performance.now());
  };
  subscribe(CHANNELS.pollStart, onPollStart);

  const w = new TaskWatcher({
    apiKey: KEY,
    baseUrl: sim.url,
    policy: 'fastest',
    accountRequestsPerSecond: BUDGET_PER_S,
    unknownTaskGraceMs: GRACE_MS,
    retry: { baseDelayMs: 100, maxDelayMs: 1_000 },
  });
  const progress = new Map<string, ProgressEvent[]>();
  w.on('progress', (e) => {
    const key = `${e.family}:${e.taskId}`;
    progress.set(key, [...(progress.get(key) ?? []), e]);
  });
  const retries: RetryEvent[] = [];
  w.on('retry', (e) => retries.push(e));

  const t0 = performance.now();
  const ended = new Map<string, Ended>();
  const typed = typedWaits(w, id);
  const sharedId = w.waitForCompletion(id('market-as-suno'), { family: 'market' });
  await Promise.all(
    list.map(async (c) => {
      try {
        const result = await w.waitForCompletion(id(c.label), { family: c.watchAs, timeoutMs: c.timeoutMs });
        ended.set(c.label, { result, at: performance.now() - t0 });
      } catch (error) {
        ended.set(c.label, { error, at: performance.now() - t0 });
      }
    }),
  );
  const session: Session = { sim, cases: list, ended, progress, retries, pollStarts, sharedIdResult: await sharedId, typed: await typed, createdAt };
  return {
    session,
    close: async () => {
      unsubscribe(CHANNELS.pollStart, onPollStart);
      await w.close();
      await sim.close();
    },
  };
}

let s: Session;
let closeSession: (() => Promise<void>) | undefined;
beforeAll(async () => {
  const run = await runSession();
  s = run.session;
  closeSession = run.close;
}, 40_000);
afterAll(async () => {
  await closeSession?.();
});

const ended = (label: string): Ended => {
  const e = s.ended.get(label);
  if (!e) throw new Error(`no outcome for ${label}`);
  return e;
};
const resultOf = (label: string): WatchResult<KnownFamilyId> => {
  const { result, error } = ended(label);
  if (!result) throw new Error(`${label} did not succeed: ${String(error)}`);
  return result;
};
function errorOf<E>(label: string, type: abstract new (...args: never[]) => E): E {
  const { error } = ended(label);
  expect(error, label).toBeInstanceOf(type);
  return error as E;
}
const taskIdOf = (label: string): string => s.cases.find((c) => c.label === label)?.spec.taskId ?? '';
const eventsOf = (family: KnownFamilyId, label: string): ProgressEvent[] => s.progress.get(`${family}:${taskIdOf(label)}`) ?? [];

describe('one watcher, every family at once, against the simulator', () => {
  it('ends every task of every family with its scripted outcome', () => {
    const got = Object.fromEntries(s.cases.map((c) => [c.label, ended(c.label).result ? 'SUCCESS' : ((ended(c.label).error as { code?: string }).code ?? 'not a watcher error')]));
    expect(got).toEqual(Object.fromEntries(s.cases.map((c) => [c.label, c.expected])));
  });

  it("resolves each success with the family's primary media as resultUrls, and the family's id", () => {
    for (const c of s.cases.filter((x) => x.expected === 'SUCCESS')) {
      const r = resultOf(c.label);
      const label = c.label.split('/')[1] ?? '';
      expect({ label: c.label, family: r.family, taskId: r.taskId, resultUrls: r.resultUrls, status: r.status, progress: r.progress }).toEqual({
        label: c.label,
        family: c.family,
        taskId: c.spec.taskId,
        resultUrls: urlsOf(c.family, label),
        status: 'SUCCESS',
        progress: 1,
      });
    }
  });

  it('reads every creation time as the instant the simulator created the task: epoch ms, zone-less UTC texts, ISO-8601 with Z', () => {
    for (const c of s.cases.filter((x) => x.expected === 'SUCCESS')) {
      const { createTime } = resultOf(c.label);
      // Suno's record carries no task-level createTime; the others all do, in their own format.
      if (c.family === 'suno') expect(createTime).toBeNull();
      // ISO texts are whole seconds, so up to 1 s earlier.
      else expect(Math.abs((createTime ?? 0) - s.createdAt), c.label).toBeLessThan(1_500);
    }
  });

  it('gives each family its own typed record (no casts): Suno tracks, Veo response, market resultJson, MJ URL objects folded, ...', () => {
    const t = s.typed;
    expect(t.gpt4o.record).toMatchObject({ status: 'SUCCESS', successFlag: 1, response: { resultUrls: urlsOf('gpt4o-image', 'success') }, createTimeZoned: true });
    // The quickstart spelling: response.result_urls and a zone-less time text.
    expect(t.gpt4oQuickstart.record.response?.resultUrls).toEqual(urlsOf('gpt4o-image', 'quickstart'));
    expect(t.gpt4oQuickstart.record.createTimeZoned).toBe(false);

    expect(typeof t.market.record.resultJson).toBe('string');
    expect(t.market.record.result?.resultUrls).toEqual(urlsOf('market', 'success'));
    expect(t.market.record).toMatchObject({ state: 'success', model: 'google/nano-banana', failCode: null, failMsg: null });
    expect(t.market.params).toMatchObject({ model: 'google/nano-banana' });

    // 16:9 Veo videos have no separate originals: originUrls null, not [].
    expect(t.veo.record.response).toMatchObject({ resultUrls: urlsOf('veo', 'success'), originUrls: null, resolution: '1080p' });
    expect(t.veo.record.fallbackFlag).toBe(false);

    expect(t.flux.record.response).toEqual({ originImageUrl: null, resultImageUrl: urlsOf('flux-kontext', 'success')[0] });
    expect(t.flux.record.createTimeZoned).toBe(true);

    // The video is the result; the cover image is not.
    expect(t.runway.record.videoInfo?.videoUrl).toBe(urlsOf('runway', 'success')[0]);
    expect(t.runway.resultUrls).not.toContain(t.runway.record.videoInfo?.imageUrl);
    expect(t.runway.record.videoInfo?.imageUrl).toMatch(/cover\.png$/);

    expect(t.luma.record.response?.originUrls).toHaveLength(1);
    expect(t.luma.record.response?.resultUrls).toEqual(urlsOf('luma', 'success'));

    const tracks = t.suno.record.response?.sunoData ?? [];
    expect(tracks.map((track) => track.audioUrl)).toEqual(urlsOf('suno', 'success'));
    expect(tracks.map((track) => track.title)).toEqual(['Simulated 1', 'Simulated 2']);
    expect(tracks.every((track) => track.duration !== null && track.streamAudioUrl !== null)).toBe(true);
    expect(t.suno.resultUrls).not.toContain(tracks[0]?.streamAudioUrl);

    expect(t.mj.record.taskType).toBe('mj_txt2img');
    expect(t.mj.record.resultInfoJson?.resultUrls).toEqual(urlsOf('mj', 'success'));
  });

  it('takes the quirks as successes: Runway failCode/failMsg on a success, Luma successFlag 4 ("callback failed")', () => {
    expect(s.typed.runwayQuirk.record).toMatchObject({ state: 'success', failCode: 400, failMsg: 'Generation failed, please try again later' });
    expect(s.typed.runwayQuirk.resultUrls).toEqual(urlsOf('runway', 'quirk'));
    expect(s.typed.lumaQuirk.record.successFlag).toBe(4);
    expect(s.typed.lumaQuirk.resultUrls).toEqual(urlsOf('luma', 'quirk'));
    // And without the quirk, the same families answer plainly.
    expect(s.typed.runway.record.failCode).toBeNull();
    expect(s.typed.luma.record.successFlag).toBe(1);
  });

  it("fails each failure outcome with the family's own status (or only its flag), code and message", () => {
    for (const f of ALL) {
      for (const outcome of FAILURES) {
        const label = `${f}/${outcome}`;
        const e = errorOf(label, TaskFailedError);
        const want = expectedFailure(f, outcome);
        expect({ label, status: e.status, successFlag: e.successFlag, family: e.family, taskId: e.taskId }).toEqual({ label, ...want, family: f, taskId: taskIdOf(label) });
        if (outcome === 'MODERATED') expect(e.errorMessage, label).toEqual(expect.any(String));
        else expect({ label, errorCode: e.errorCode, errorMessage: e.errorMessage }).toEqual({ label, ...FAILURE_DETAILS[outcome] });
        expect(e.record, label).not.toBeNull();
      }
    }
  });

  it('fails a Veo task whose failure record names no taskId, naming the task itself', () => {
    const e = errorOf('veo/MODERATED', TaskFailedError);
    expect((e.record as { taskId: unknown }).taskId).toBeNull();
    expect(e.taskId).toBe(taskIdOf('veo/MODERATED'));
    expect(e).toMatchObject({ successFlag: 3, errorCode: 422 });
  });

  it("reports progress with the family's own status text, never an invented one, and never lower than before", () => {
    for (const c of s.cases.filter((x) => x.watchAs === x.family)) {
      const events = eventsOf(c.family, c.label);
      // A record with neither status text nor progress changes nothing while it runs: a never-finishing task
      // of a flag-only family has no event to report, every other task at least its change of status.
      if (!(c.expected === 'KIE_WATCH_TIMEOUT' && FLAG_ONLY.has(c.family))) expect(events.length, c.label).toBeGreaterThan(0);
      for (const e of events) {
        expect(e.family, c.label).toBe(c.family);
        expect(DOCUMENTED[c.family], `${c.label}: ${String(e.status)}`).toContain(e.status);
      }
      const values = events.map((e) => e.progress);
      expect(values, c.label).toEqual([...values].sort((a, b) => a - b));
      const last = events.at(-1);
      if (c.expected === 'SUCCESS') expect({ label: c.label, state: last?.state, status: last?.status, progress: last?.progress }).toEqual({ label: c.label, state: 'success', status: SUCCESS_TEXT[c.family], progress: 1 });
      if (c.expected === 'KIE_TASK_FAILED') expect(last?.state, c.label).toBe('failure');
    }
    // The documented intermediate texts are passed through as sent.
    expect(eventsOf('market', 'market/success').map((e) => e.status)).toContain('generating');
    expect(eventsOf('runway', 'runway/success').map((e) => e.status)).toContain('generating');
    expect(eventsOf('gpt4o-image', 'gpt4o-image/success').map((e) => e.status)).toContain('GENERATING');
  });

  it('does not take Suno TEXT_SUCCESS or FIRST_SUCCESS as final, though FIRST_SUCCESS already has an audio URL', () => {
    const statuses = eventsOf('suno', 'suno/success').map((e) => e.status);
    expect(statuses).toEqual(expect.arrayContaining(['TEXT_SUCCESS', 'FIRST_SUCCESS']));
    expect(statuses.indexOf('TEXT_SUCCESS')).toBeLessThan(statuses.indexOf('FIRST_SUCCESS'));
    expect(statuses.at(-1)).toBe('SUCCESS');
    const firstSuccess = eventsOf('suno', 'suno/success').find((e) => e.status === 'FIRST_SUCCESS');
    expect(firstSuccess?.state).toBe('pending');
    // Both tracks, not the one FIRST_SUCCESS had.
    expect(resultOf('suno/success').resultUrls).toHaveLength(2);
  });

  it("ends a never-finishing task of each family at the watcher's deadline, with the last status the family sent", () => {
    for (const f of ALL) {
      const e = errorOf(`${f}/never`, WatchTimeoutError);
      expect({ f, lastStatus: e.lastStatus, family: e.family, timeoutMs: e.timeoutMs }).toEqual({ f, lastStatus: RUNNING[f], family: f, timeoutMs: 4_500 });
      expect(ended(`${f}/never`).at).toBeGreaterThanOrEqual(4_400);
    }
  });

  it('rides out the grace period for a task of each family that is invisible at first (body 422), then succeeds', () => {
    for (const f of ALL) {
      const taskId = taskIdOf(`${f}/late`);
      const waits = s.retries.filter((r) => r.taskId === taskId);
      expect(waits.length, f).toBeGreaterThan(0);
      expect(waits.every((r) => r.family === f && r.reason === 'task not visible yet (422)'), f).toBe(true);
      expect(resultOf(`${f}/late`).resultUrls).toEqual(urlsOf(f, 'late'));
    }
  });

  it("ends a taskId watched under a wrong family as an unknown task (KieApiError 422) after the grace period, in that path's words", () => {
    const suno = errorOf('market-as-suno', KieApiError);
    expect(suno).toMatchObject({ providerCode: 422, providerMessage: 'record is null', family: 'suno', taskId: taskIdOf('market-as-suno'), accountWide: false });
    const gpt4o = errorOf('veo-as-gpt4o', KieApiError);
    expect(gpt4o).toMatchObject({ providerCode: 422, providerMessage: 'record is null', family: 'gpt4o-image' });
    for (const label of ['market-as-suno', 'veo-as-gpt4o']) expect(ended(label).at, label).toBeGreaterThanOrEqual(GRACE_MS - 50);
  });

  it('watches the same taskId under its own family at the same time, and that one succeeds', () => {
    expect(s.sharedIdResult.family).toBe('market');
    expect(s.sharedIdResult.record.result?.resultUrls).toEqual(urlsOf('market', 'x'));
  });

  it('never breaks the per-task limit at the simulator, not even for one taskId watched under two families', () => {
    const stats = s.sim.stats();
    expect(stats.violations).toBe(0);
    expect(stats.maxRequestsInWindow).toBeLessThanOrEqual(3);
    expect(s.sim.taskStats(taskIdOf('market-as-suno'))).toMatchObject({ violations: 0 });
    // Every family's endpoint was asked, through one watcher.
    expect(new Set(s.sim.allTaskStats().filter((t) => t.requests > 0).map((t) => t.family))).toEqual(new Set(ALL));
  });

  it('spends one account budget for all families together', () => {
    // GCRA with a burst of one second's budget: any window of T ms holds at most burst + T * rate requests.
    // Unbudgeted, these ~60 tasks at the fastest policy send about 2.7 * 60 = 160 requests a second (measured:
    // 320 in the busiest 2 s, 480 in the busiest 4 s).
    expect(s.pollStarts.length).toBeGreaterThan(100);
    // Slack: these times are taken as each request starts, a little after the budget counted it.
    expect(maxInWindow(s.pollStarts, 2_000)).toBeLessThanOrEqual(BUDGET_PER_S + 2 * BUDGET_PER_S + 10);
    expect(maxInWindow(s.pollStarts, 4_000)).toBeLessThanOrEqual(BUDGET_PER_S + 4 * BUDGET_PER_S + 10);
  });
});

// --- a family the simulator does not know -----------------------------------------------------------

/** A made-up endpoint a user might add after the library shipped: `state` queued/running/done/error, `files[].href`. */
const clips = defineFamily({
  id: 'clips',
  path: '/api/v2/clips/status',
  schema: z.looseObject({ id: z.string(), state: z.string(), files: z.array(z.looseObject({ href: z.string() })).nullish(), pct: z.number().nullish(), reason: z.string().nullish() }),
  normalize: (raw) => ({ id: raw.id, state: raw.state, hrefs: (raw.files ?? []).map((f) => f.href), pct: raw.pct ?? null, reason: raw.reason ?? null }),
  classify: (r) => ({
    state: r.state === 'done' ? 'success' : r.state === 'error' ? 'failure' : 'pending',
    status: r.state,
    taskId: r.id,
    progress: r.pct,
    unknownStatus: !['queued', 'running', 'done', 'error'].includes(r.state),
    failure: { errorMessage: r.reason },
  }),
  toResult: (r) => ({ resultUrls: r.hrefs }),
});

/** Scripted lives of the custom endpoint's tasks, by taskId: the n-th answer is `lives[id][min(n, last)]`. */
const LIVES: Readonly<Record<string, readonly object[]>> = {
  'clip-ok': [
    { id: 'clip-ok', state: 'queued', pct: 0 },
    { id: 'clip-ok', state: 'running', pct: 40 },
    { id: 'clip-ok', state: 'done', pct: 100, files: [{ href: 'https://cdn.test/clip-ok.mp4' }] },
  ],
  'clip-err': [{ id: 'clip-err', state: 'running' }, { id: 'clip-err', state: 'error', reason: 'source too long' }],
};

describe('a custom family made with defineFamily, on an endpoint of its own', () => {
  let server: TestServer;
  let w: TaskWatcher;
  beforeAll(async () => {
    server = await testServer(({ taskId, n, req, res }: { taskId: string; n: number; req: IncomingMessage; res: ServerResponse }) => {
      const life = LIVES[taskId];
      if (!req.url?.startsWith(clips.path) || life === undefined) {
        sendJson(res, { code: 422, msg: 'record is null' });
        return;
      }
      sendJson(res, { code: 200, msg: 'success', data: life[Math.min(n, life.length - 1)] });
    });
    w = new TaskWatcher({ apiKey: KEY, baseUrl: server.url, policy: 'fastest', unknownTaskGraceMs: 1_000, families: [clips] });
  });
  afterAll(async () => {
    await w.close();
    await server.close();
  });

  it('is polled on its own path and resolves with its typed record and its own status texts', async () => {
    const statuses: (string | null)[] = [];
    const result = await w.waitForCompletion('clip-ok', { family: clips, onProgress: (e) => statuses.push(e.status) });
    expect(result.family).toBe('clips');
    expect(result.resultUrls).toEqual(['https://cdn.test/clip-ok.mp4']);
    expect(result.record.hrefs).toEqual(['https://cdn.test/clip-ok.mp4']);
    expect(statuses).toEqual(['queued', 'running', 'done']);
    expect(server.hits.filter((h) => h.taskId === 'clip-ok').every((h) => h.path === '/api/v2/clips/status')).toBe(true);
  });

  it("fails with the record's own status and message", async () => {
    const e = await w.waitForCompletion('clip-err', { family: clips }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(TaskFailedError);
    expect(e).toMatchObject({ status: 'error', errorMessage: 'source too long', family: 'clips' });
  });

  it('is told apart from a built-in family by path: the same id watched as gpt4o-image is unknown there', async () => {
    const e = await w.waitForCompletion('clip-ok', { family: 'gpt4o-image' }).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'KIE_API_ERROR', providerCode: 422, family: 'gpt4o-image' });
    expect(server.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });
});
