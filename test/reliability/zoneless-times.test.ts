/**
 * Zone-less time texts (`"YYYY-MM-DD HH:mm:ss"`) name no zone, and the provider's docs name none either; the
 * watcher reads them as UTC. If the provider meant its own wall clock, say UTC+8 or UTC-8, the guess is 8 hours
 * off. These tests show what the adaptive policy then sees, through the watcher and a scripted server: never a
 * task 8 hours old (which would put it in the slow 10 s band from the first poll) nor a negative age, but no
 * age at all, so it falls back to the time since watching started.
 */
import { describe, expect, it, type TestContext } from 'vitest';
import { ADAPTIVE, adaptivePolicy, TaskWatcher, type KnownFamilyId, type PollState } from '../../src/index.js';
import { KIE_STATUS_PATHS } from '../fixtures/families/paths.js';
import { Bag, failOnProcessErrors, sendJson, testServer, until } from './helpers.js';

failOnProcessErrors();

const HOUR = 3_600_000;
/** The task was created this long before the test starts watching it. */
const REAL_AGE_MS = 5_000;

/** `"YYYY-MM-DD HH:mm:ss"` of the wall clock `offsetHours` east of UTC at instant `ms`. */
function wallClock(ms: number, offsetHours: number): string {
  return new Date(ms + offsetHours * HOUR).toISOString().slice(0, 19).replace('T', ' ');
}

/** A running record of each family whose docs show zone-less time texts, created at `created` (a text). */
const RUNNING: Readonly<Partial<Record<KnownFamilyId, (taskId: string, created: string) => Record<string, unknown>>>> = {
  'gpt4o-image': (taskId, created) => ({ taskId, status: 'GENERATING', successFlag: 0, progress: '0.50', createTime: created, completeTime: null, response: null }),
  veo: (taskId, created) => ({ taskId, successFlag: 0, progress: '0.50', createTime: created, completeTime: null, response: null }),
  luma: (taskId, created) => ({ taskId, successFlag: 0, progress: '0.50', createTime: created, completeTime: null, response: null }),
  // Runway's creation time is its generateTime; neither it nor Suno sends progress.
  runway: (taskId, created) => ({ taskId, state: 'generating', generateTime: created, videoInfo: null, failCode: '', failMsg: '' }),
  suno: (taskId, created) => ({ taskId, status: 'TEXT_SUCCESS', createTime: created, response: { taskId, sunoData: [] } }),
};
const FAMILIES = Object.keys(RUNNING) as KnownFamilyId[];
const FAMILY_BY_PATH = new Map<string, KnownFamilyId>(Object.entries(KIE_STATUS_PATHS).map(([family, path]) => [path, family as KnownFamilyId]));

interface Seen {
  readonly state: PollState;
  /** What the adaptive policy answered for it. */
  readonly delayMs: number;
}

/**
 * Watches one running task per family whose creation time is written in the wall clock `offsetHours` east of
 * UTC, and returns the first state the policy saw for each.
 */
async function firstStates(ctx: TestContext, offsetHours: number): Promise<Map<KnownFamilyId, Seen>> {
  const bag = new Bag(ctx.onTestFinished);
  const created = wallClock(Date.now() - REAL_AGE_MS, offsetHours);
  const server = bag.add(
    await testServer(({ taskId, req, res }) => {
      const family = FAMILY_BY_PATH.get(new URL(req.url ?? '/', 'http://x').pathname);
      const record = family === undefined ? undefined : RUNNING[family];
      sendJson(res, record === undefined ? { code: 422, msg: 'record is null' } : { code: 200, msg: 'success', data: record(taskId, created) });
    }),
  );
  const seen = new Map<KnownFamilyId, Seen>();
  const policy = (state: PollState): number => {
    const delayMs = adaptivePolicy(state);
    const family = state.family as KnownFamilyId;
    if (!seen.has(family)) seen.set(family, { state, delayMs });
    return delayMs;
  };
  const w = bag.add(new TaskWatcher({ apiKey: 'zoneless-key-91f3', baseUrl: server.url, policy }));
  for (const family of FAMILIES) w.watch(`${family}-task`, { family });
  expect(await until(() => seen.size === FAMILIES.length)).toBe(true);
  return seen;
}

describe.concurrent('a zone-less creation time read in the wrong zone', () => {
  it('read right (the provider meant UTC): the task is as old as it is, and progress gives an estimate at once', async (ctx) => {
    const seen = await firstStates(ctx, 0);
    for (const family of FAMILIES) {
      const { state, delayMs } = seen.get(family) ?? expect.unreachable();
      // Whole seconds in the text: up to 1 s more; the request's round trip: a little more.
      expect(state.taskAgeMs, family).toBeGreaterThanOrEqual(REAL_AGE_MS - 500);
      expect(state.taskAgeMs, family).toBeLessThan(REAL_AGE_MS + 2_000);
      expect(delayMs, family).toBe(ADAPTIVE.earlyMs);
    }
    // Half done 5 s after creation: about 5 s to go, from the first sample.
    for (const family of ['gpt4o-image', 'veo', 'luma'] as const) {
      expect(seen.get(family)?.state.etaMs, family).toBeGreaterThan(REAL_AGE_MS - 1_000);
      expect(seen.get(family)?.state.etaMs, family).toBeLessThan(REAL_AGE_MS + 2_000);
    }
  });

  it.for([
    { zone: 'UTC+8', offsetHours: 8 },
    { zone: 'UTC-8', offsetHours: -8 },
  ])('meant $zone: no age rather than a wrong one, so the first poll is in the early band, and no estimate from it', async ({ offsetHours }, ctx) => {
    const seen = await firstStates(ctx, offsetHours);
    for (const family of FAMILIES) {
      const { state, delayMs } = seen.get(family) ?? expect.unreachable();
      // Read as UTC, UTC+8 puts creation 8 h in the future (age -8 h) and UTC-8 8 h in the past (age +8 h).
      expect({ family, taskAgeMs: state.taskAgeMs, etaMs: state.etaMs }).toEqual({ family, taskAgeMs: null, etaMs: null });
      expect(state.watchedForMs, family).toBeLessThan(5_000);
      expect(delayMs, family).toBe(ADAPTIVE.earlyMs);
    }
  });

  it('a zoned time 8 hours back is believed: a resumed old task really is old', async (ctx) => {
    const bag = new Bag(ctx.onTestFinished);
    const created = Date.now() - 8 * HOUR;
    const server = bag.add(
      await testServer(({ taskId, res }) => {
        sendJson(res, { code: 200, message: 'success', data: { taskId, state: 'generating', createTime: created, resultJson: '', failCode: '', failMsg: '' } });
      }),
    );
    let first: Seen | undefined;
    const w = bag.add(
      new TaskWatcher({
        apiKey: 'zoneless-key-91f3',
        baseUrl: server.url,
        policy: (state) => {
          const delayMs = adaptivePolicy(state);
          first ??= { state, delayMs };
          return delayMs;
        },
      }),
    );
    w.watch('market-task', { family: 'market' });
    expect(await until(() => first !== undefined)).toBe(true);
    expect(first?.state.taskAgeMs).toBeGreaterThanOrEqual(8 * HOUR - 1_000);
    expect(first?.state.taskAgeMs).toBeLessThan(8 * HOUR + 2_000);
    expect(first?.delayMs).toBe(ADAPTIVE.lateMs);
  });
});
