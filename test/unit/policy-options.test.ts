import { describe, expect, it } from 'vitest';
import { TaskWatcher } from '../../src/index.js';
import { adaptivePolicy, estimateEta, type PollState } from '../../src/policy/index.js';
import { checkTaskId } from '../../src/validate.js';
import { VERSION } from '../../src/version.js';
import pkg from '../../package.json' with { type: 'json' };

const state = (s: Partial<PollState>): PollState => ({
  taskId: 't',
  family: 'gpt4o-image',
  model: null,
  expectCallback: false,
  callbackMissRate: null,
  watchedForMs: 0,
  taskAgeMs: null,
  polls: 1,
  progress: null,
  status: 'GENERATING',
  msSinceProgressChange: null,
  etaMs: null,
  minIntervalMs: 374,
  ...s,
});

describe('adaptive policy', () => {
  it('polls by the task age: 3.5 s for the first 30 s, 5 s until 5 minutes, 10 s after', () => {
    expect(adaptivePolicy(state({ watchedForMs: 10_000 }))).toBe(3_500);
    expect(adaptivePolicy(state({ watchedForMs: 60_000 }))).toBe(5_000);
    expect(adaptivePolicy(state({ watchedForMs: 400_000 }))).toBe(10_000);
    // The provider's createTime, when known, is the task's age, not the time since watching began.
    expect(adaptivePolicy(state({ watchedForMs: 1_000, taskAgeMs: 400_000 }))).toBe(10_000);
  });

  it('adds one poll at the end progress predicts, when that comes before the next regular poll', () => {
    expect(adaptivePolicy(state({ watchedForMs: 60_000, etaMs: 1_200 }))).toBe(1_200);
    expect(adaptivePolicy(state({ watchedForMs: 60_000, etaMs: 100 }))).toBe(374);
  });

  it('never stretches an interval on a far or passed prediction', () => {
    expect(adaptivePolicy(state({ watchedForMs: 60_000, etaMs: 120_000 }))).toBe(5_000);
    expect(adaptivePolicy(state({ watchedForMs: 60_000, etaMs: -3_000 }))).toBe(5_000);
  });

  it('estimates the time left from the progress rate, counting down as time passes', () => {
    expect(estimateEta(0, 0.2, 10_000, 0.6, 10_000)).toBe(10_000);
    expect(estimateEta(0, 0.2, 10_000, 0.6, 14_000)).toBe(6_000);
    expect(estimateEta(0, 0.2, 10_000, 0.6, 25_000)).toBe(-5_000);
    expect(estimateEta(0, 0.2, 10_000, 0.2, 10_000)).toBeNull();
  });
});

describe('options', () => {
  const ok = { apiKey: 'k' };
  it.each([
    [{ apiKey: '' }, /apiKey/],
    [{ apiKey: 42 }, /apiKey.*type number/],
    [{ ...ok, maxRequestsPerSecondPerTask: 4 }, /maxRequestsPerSecondPerTask.*from .* to 3, got the number 4/],
    [{ ...ok, timeoutMs: -1 }, /timeoutMs.*got the number -1/],
    [{ ...ok, timeoutMs: '10' }, /timeoutMs.*got the string "10"/],
    [{ ...ok, baseUrl: 'ftp://x' }, /baseUrl/],
    [{ ...ok, baseUrl: 'http://api.example.com' }, /allowInsecureHttp/],
    [{ ...ok, baseUrl: 'not a url' }, /baseUrl/],
    [{ ...ok, policy: 'sometimes' }, /policy/],
    [{ ...ok, policy: { intervalMs: -5 } }, /policy.intervalMs/],
    [{ ...ok, policy: { p95DelayMs: 999 } }, /policy.p95DelayMs.*999/],
    [{ ...ok, policy: { p95DelayMs: '3000' } }, /policy.p95DelayMs/],
    [{ ...ok, policy: { p95DelayMs: 600_001 } }, /policy.p95DelayMs/],
    [{ ...ok, maxInFlight: 0 }, /maxInFlight/],
    [{ ...ok, retry: { baseDelayMs: Number.NaN } }, /retry.baseDelayMs.*NaN/],
  ])('rejects %o with a TypeError naming the option', (opts, message) => {
    expect(() => new TaskWatcher(opts as never)).toThrow(TypeError);
    expect(() => new TaskWatcher(opts as never)).toThrow(message);
  });

  it('accepts http to loopback, and to other hosts with allowInsecureHttp', () => {
    expect(() => new TaskWatcher({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' })).not.toThrow();
    expect(() => new TaskWatcher({ apiKey: 'k', baseUrl: 'http://api.example.com', allowInsecureHttp: true })).not.toThrow();
  });

  it('never echoes the key in a validation error', () => {
    expect(() => new TaskWatcher({ apiKey: 'secret\nkey' })).toThrow(/whitespace or control characters/);
    expect(() => new TaskWatcher({ apiKey: 'secret\nkey' })).not.toThrow(/secret/);
  });

  it.each(['', 'x'.repeat(129), '../x', 'a?b=c', 'a#b', 'a b', ' a', 'tâche', 'a/b', '..', 'a\nb'])('rejects taskId %j', (id) => {
    expect(() => checkTaskId(id)).toThrow(TypeError);
  });

  it('rejects bad taskIds from every entry point without disturbing the watcher', async () => {
    const w = new TaskWatcher({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
    await expect(w.waitForCompletion('../x')).rejects.toThrow(TypeError);
    expect(() => w.watch('a?b')).toThrow(TypeError);
    expect(() => w.updates('')).toThrow(TypeError);
    await expect(w.waitForCompletion('ok', { timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
    expect(w.stats().pending).toBe(0);
    await w.close();
  });

  it('accepts taskIds of up to 128 safe characters', () => {
    expect(checkTaskId('a'.repeat(128))).toHaveLength(128);
    expect(checkTaskId('4o_task:abc-123.x')).toBe('4o_task:abc-123.x');
  });

  it('keeps VERSION equal to package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
