import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, KieApiError, TaskWatcher, type TaskWatcherOptions } from '../../src/index.js';
import { testClock, type TestClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success, type MockApi, type Reply } from '../helpers/mock-api.js';

// A 402 halts the watcher; a credit top-up must not need a new watcher. The server here answers 402 until
// `account.credits` is set, like the provider's record-info on an empty account.
const NO_CREDITS: Reply = { body: { code: 402, msg: 'Insufficient credits', data: null } };
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

function setup(extra: Partial<TaskWatcherOptions> = {}): { w: TaskWatcher; clock: TestClock; api: MockApi; account: { credits: boolean; down: boolean }; log: string[] } {
  const account = { credits: false, down: false };
  const clock = testClock();
  // Requests and progress events in the order they happened.
  const log: string[] = [];
  const api = mockApi((id, n) => {
    log.push(`request ${id}`);
    return account.down ? { status: 503, body: 'unavailable' } : !account.credits ? NO_CREDITS : n % 2 === 0 ? generating(id) : success(id);
  }, clock.now);
  const w = new TaskWatcher({ apiKey: 'k', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, policy: { intervalMs: 1000 }, ...extra });
  // Published as the answer is classified, before the watcher acts on it.
  const onAnswer = (m: unknown): void => void log.push(`answer ${(m as { taskId: string }).taskId}`);
  diagnostics.subscribe(CHANNELS.pollAnswer, onAnswer);
  cleanup.push(async () => {
    diagnostics.unsubscribe(CHANNELS.pollAnswer, onAnswer);
    await w.close();
    await api.close();
  });
  return { w, clock, api, account, log };
}

function track<T>(p: Promise<T>): { value?: T; error?: unknown } {
  const r: { value?: T; error?: unknown } = {};
  p.then(
    (v) => (r.value = v),
    (e: unknown) => (r.error = e),
  );
  return r;
}

async function halted(w: TaskWatcher, clock: TestClock): Promise<void> {
  const first = track(w.waitForCompletion('first'));
  await clock.advance(100);
  expect(first.error).toBeInstanceOf(KieApiError);
  expect(first.error).toMatchObject({ providerCode: 402 });
}

describe('a halt after 402 ends', () => {
  it('after a top-up, the first wait after haltCooldownMs sends one probe and every wait resolves on the same watcher', async () => {
    const { w, clock, api, account, log } = setup({ haltCooldownMs: 60_000 });
    await halted(w, clock);
    expect(api.requests).toHaveLength(1);
    // Within the cooldown: refused at once, nothing sent.
    await clock.advance(30_000, 1_000);
    await expect(w.waitForCompletion('early')).rejects.toMatchObject({ providerCode: 402, taskId: 'early' });
    expect(api.requests).toHaveLength(1);
    account.credits = true;
    await clock.advance(30_000, 1_000);
    const waits = ['a', 'b', 'c'].map((id) => track(w.waitForCompletion(id)));
    await clock.advance(5_000, 50);
    // One probe, not one per waiter: b and c go once a's answer is in.
    expect(log.slice(0, 4)).toEqual(['request first', 'answer first', 'request a', 'answer a']);
    expect(log.slice(4, 6).sort()).toEqual(['request b', 'request c']);
    for (const r of waits) expect(r.error).toBeUndefined();
    expect(waits.map((r) => r.value?.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(new Set(api.requests.slice(2, 4).map((r) => r.taskId))).toEqual(new Set(['b', 'c']));
  });

  it('an account still empty after the cooldown costs one 402 per cooldown, and every wait of that round rejects', async () => {
    const { w, clock, api } = setup({ haltCooldownMs: 10_000 });
    await halted(w, clock);
    await clock.advance(10_000, 1_000);
    const waits = ['a', 'b'].map((id) => track(w.waitForCompletion(id)));
    await clock.advance(3_000, 50);
    expect(api.requests).toHaveLength(2);
    for (const r of waits) expect(r.error).toMatchObject({ code: 'KIE_API_ERROR', providerCode: 402 });
    // The probe's 402 started a new cooldown.
    await expect(w.waitForCompletion('c')).rejects.toMatchObject({ providerCode: 402 });
    await clock.advance(5_000, 1_000);
    expect(api.requests).toHaveLength(2);
  });

  it('clearHalt() ends the halt at once, without waiting for the cooldown', async () => {
    const { w, clock, api, account } = setup();
    await halted(w, clock);
    account.credits = true;
    w.clearHalt();
    const r = track(w.waitForCompletion('after'));
    await clock.advance(3_000, 50);
    expect(r.value?.status).toBe('SUCCESS');
    expect(api.requests.length).toBeGreaterThan(1);
  });

  it('probes that get no answer from the API (503) keep the halt: one request at a time, not one per waiter', async () => {
    const { w, clock, api, account } = setup({ haltCooldownMs: 1_000 });
    await halted(w, clock);
    await clock.advance(1_000, 100);
    account.credits = true;
    account.down = true;
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const waits = ids.map((id) => track(w.waitForCompletion(id)));
    await clock.advance(3_000, 50);
    // A 503 proves nothing: each one arms the next probe (the task's retry or a held poll), at most one a second.
    const during = api.requests.length - 1;
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(4);
    for (const r of waits) expect(r.error ?? r.value).toBeUndefined();
    account.down = false;
    await clock.advance(10_000, 50);
    expect(waits.map((r) => r.value?.status)).toEqual(ids.map(() => 'SUCCESS'));
  });

  it('haltCooldownMs is validated like the other options', () => {
    expect(() => new TaskWatcher({ apiKey: 'k', haltCooldownMs: -1 })).toThrow(TypeError);
    expect(() => new TaskWatcher({ apiKey: 'k', haltCooldownMs: Number.NaN })).toThrow(/haltCooldownMs/);
    expect(() => new TaskWatcher({ apiKey: 'k', haltCooldownMs: '5' as unknown as number })).toThrow(/haltCooldownMs/);
  });
});
