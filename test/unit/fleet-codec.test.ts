import { describe, expect, it } from 'vitest';
import { decodeSettlement, decodeState, encodeSettlement, encodeState, type TimeBase } from '../../src/fleet/codec.js';
import { hasFlag, newTaskEntry, setFlag, TaskFlag, type TaskEntry } from '../../src/engine/task.js';
import { FAMILIES } from '../../src/families/index.js';
import { KieApiError, TaskFailedError, WatchTimeoutError } from '../../src/errors.js';
import { keyOf, memberOf } from '../../src/redis/keys.js';

const family = FAMILIES['gpt4o-image'];
// Two processes whose monotonic clocks started at different times, at the same epoch instant.
const here: TimeBase = { now: 50_000, epochNow: 1_795_297_600_000 };
const there: TimeBase = { now: 9_000_000, epochNow: 1_795_297_600_000 };
const watchedAt = 1_795_297_000_000; // the fleet's, in epoch ms: ten minutes before `epochNow`

function busyTask(): TaskEntry {
  const t = newTaskEntry(family, '4bf1f0e5c6d4a9e0b1c2d3e4f5a6b7c8', here.now - 600_000);
  t.polls = 187;
  t.status = 'GENERATING';
  t.progress = 0.87;
  t.firstProgress = 0.05;
  t.firstProgressAt = here.now - 590_123;
  t.lastProgressAt = here.now - 1_234;
  t.lastAnswerAt = here.now - 345;
  t.createTime = watchedAt - 2_500;
  t.errors = 2;
  t.rateStreak = 1;
  t.lastReason = 'HTTP 429';
  setFlag(t, TaskFlag.ZONELESS);
  setFlag(t, TaskFlag.EXPECT_CALLBACK);
  return t;
}

describe('the poll state a fleet hands from one process to the next', () => {
  it('arrives in another process with the same times on the epoch clock and every counter and flag', () => {
    const a = busyTask();
    const b = newTaskEntry(family, a.taskId, there.now);
    decodeState(encodeState(a, here, watchedAt), b, there, watchedAt);
    // Times feed estimates only: they travel in tenths of a second.
    const epoch = (mono: number, t: TimeBase): number => t.epochNow - (t.now - mono);
    expect(Math.abs(epoch(b.firstProgressAt, there) - epoch(a.firstProgressAt, here))).toBeLessThanOrEqual(50);
    expect(Math.abs(epoch(b.lastProgressAt, there) - epoch(a.lastProgressAt, here))).toBeLessThanOrEqual(50);
    expect(Math.abs(epoch(b.lastAnswerAt, there) - epoch(a.lastAnswerAt, here))).toBeLessThanOrEqual(50);
    expect(Math.abs((b.createTime ?? 0) - (a.createTime ?? 0))).toBeLessThanOrEqual(50);
    expect(b).toMatchObject({ polls: 187, status: 'GENERATING', progress: 0.87, firstProgress: 0.05, errors: 2, invalid: 0, rateStreak: 1, lastReason: 'HTTP 429' });
    expect(hasFlag(b, TaskFlag.ZONELESS)).toBe(true);
    expect(hasFlag(b, TaskFlag.EXPECT_CALLBACK)).toBe(true);
    expect(hasFlag(b, TaskFlag.UNKNOWN_STATUS_LOGGED)).toBe(false);
  });

  it('fits in 64 bytes for a busy task, so that Redis keeps the task hash in its compact encoding', () => {
    // hash-max-listpack-value: one longer value turns the whole hash into a hash table (~360 B more per task).
    expect(Buffer.byteLength(encodeState(busyTask(), here, watchedAt))).toBeLessThanOrEqual(64);
  });

  it('cuts a long retry reason (in any script) to what still fits in 64 bytes, and keeps the rest whole', () => {
    for (const reason of ['invalid response: ' + 'data.progress: expected string, received number; '.repeat(4), 'ответ сервера: '.repeat(10)]) {
      const a = busyTask();
      a.lastReason = reason;
      const json = encodeState(a, here, watchedAt);
      expect(Buffer.byteLength(json)).toBeLessThanOrEqual(64);
      const b = newTaskEntry(family, a.taskId, there.now);
      decodeState(json, b, there, watchedAt);
      expect(reason.startsWith(b.lastReason ?? '\u0000')).toBe(true);
      expect(b).toMatchObject({ polls: 187, status: 'GENERATING', progress: 0.87, errors: 2, rateStreak: 1 });
    }
  });

  it('of a task polled once with nothing learnt is a few bytes', () => {
    const t = newTaskEntry(family, 'x', here.now);
    t.polls = 1;
    expect(encodeState(t, here, watchedAt)).toBe('[1]');
  });

  it('that cannot be read leaves the entry as it was', () => {
    for (const junk of ['', 'not json', '{"n":3}', '"str"', 'null']) {
      const t = busyTask();
      const before = { ...t };
      decodeState(junk, t, here, watchedAt);
      expect({ ...t }).toEqual(before);
    }
  });

  it('ignores slots of the wrong type instead of loading them', () => {
    const t = newTaskEntry(family, 'x', here.now);
    decodeState('[4, 0, "soon", 7, "high"]', t, here, watchedAt);
    expect(t).toMatchObject({ polls: 4, status: null, progress: null, lastAnswerAt: -1 });
  });
});

describe('a settlement another process reached', () => {
  it('is revived as an error of the same class with the provider fields', () => {
    const error = new TaskFailedError({ taskId: 't1', family: 'gpt4o-image', status: 'GENERATE_FAILED', successFlag: 2, errorCode: 400, errorMessage: 'content policy', record: { taskId: 't1' } });
    const back = decodeSettlement(encodeSettlement({ ok: false, error }, 'p1'));
    expect(back?.owner).toBe('p1');
    const revived = back?.settlement.ok === false ? back.settlement.error : null;
    expect(revived).toBeInstanceOf(TaskFailedError);
    expect(revived).toMatchObject({ code: 'KIE_TASK_FAILED', taskId: 't1', errorCode: 400, errorMessage: 'content policy', message: error.message });
  });

  it('keeps an API error account-wide or not, and a watch deadline as a deadline', () => {
    const api = new KieApiError({ taskId: 't2', family: 'veo', providerCode: 401, providerMessage: 'bad key', httpStatus: 200, accountWide: true, message: 'KIE API error 401' });
    const revivedApi = decodeSettlement(encodeSettlement({ ok: false, error: api }, 'p'));
    expect(revivedApi?.settlement).toMatchObject({ ok: false, error: { code: 'KIE_API_ERROR', providerCode: 401, accountWide: true } });
    const timeout = new WatchTimeoutError('t3', 5_000, { family: 'veo', lastStatus: null, lastProgress: null });
    const revivedTimeout = decodeSettlement(encodeSettlement({ ok: false, error: timeout }, 'p'));
    expect(revivedTimeout?.settlement.ok === false && revivedTimeout.settlement.error).toBeInstanceOf(WatchTimeoutError);
  });

  it('that cannot be read is ignored (the local poll goes on)', () => {
    expect(decodeSettlement('{')).toBeNull();
    expect(decodeSettlement('{"o":"p","ok":false,"error":{"code":"SOMETHING_ELSE"}}')).toBeNull();
    expect(decodeSettlement('{"o":"p","ok":true}')).toBeNull();
  });
});

describe('a task in Redis key names', () => {
  it('uses a two-character code for a built-in family and the id for a custom one, and reads both back', () => {
    expect(memberOf({ family: 'gpt4o-image', taskId: 'abc' })).toBe('_4:abc');
    for (const id of Object.keys(FAMILIES)) {
      const m = memberOf({ family: id, taskId: 'a:b' });
      expect(m.length - 'a:b'.length).toBe(3);
      expect(keyOf(m)).toEqual({ family: id, taskId: 'a:b' });
    }
    for (const custom of ['my-family', 'constructor', 'tostring']) expect(keyOf(memberOf({ family: custom, taskId: 'x:y' }))).toEqual({ family: custom, taskId: 'x:y' });
  });
});
