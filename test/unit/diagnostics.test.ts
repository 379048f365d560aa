import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, TaskWatcher } from '../../src/index.js';
import { testClock } from '../helpers/fake-clock.js';
import { BASE, generating, mockApi, success } from '../helpers/mock-api.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function listen(): { name: string; message: unknown }[] {
  const seen: { name: string; message: unknown }[] = [];
  for (const name of Object.values(CHANNELS)) {
    const fn = (message: unknown): void => void seen.push({ name, message });
    subscribe(name, fn);
    cleanup.push(() => void unsubscribe(name, fn));
  }
  return seen;
}

describe('diagnostics channels', () => {
  it('publish each request, each answer with its kind and latency, rate limiting and the end of each watch, never the key', async () => {
    const seen = listen();
    const clock = testClock();
    const api = mockApi((id, n) => (id === 'slow' && n === 0 ? { body: { code: 429, msg: 'limited' } } : n < 1 || id === 'never' ? generating(id) : success(id)), clock.now);
    const w = new TaskWatcher({ apiKey: 'secret-key-123', baseUrl: BASE, dispatcher: api.agent, clock, random: () => 0.5, policy: { intervalMs: 1000 } });
    cleanup.push(async () => {
      await w.close();
      await api.close();
    });
    const a = w.waitForCompletion('a');
    const slow = w.waitForCompletion('slow');
    const t = w.waitForCompletion('never', { timeoutMs: 500 }).catch(() => undefined);
    await clock.advance(5_000);
    await Promise.all([a, slow, t]);
    const of = (name: string): unknown[] => seen.filter((s) => s.name === name).map((s) => s.message);
    expect(of(CHANNELS.pollStart)).toContainEqual({ family: 'gpt4o-image', taskId: 'a' });
    expect(of(CHANNELS.pollAnswer)).toContainEqual({ family: 'gpt4o-image', taskId: 'a', kind: 'pending', latencyMs: expect.any(Number) });
    expect(of(CHANNELS.pollAnswer)).toContainEqual({ family: 'gpt4o-image', taskId: 'a', kind: 'success', latencyMs: expect.any(Number) });
    expect(of(CHANNELS.rateLimited)).toContainEqual({ family: 'gpt4o-image', taskId: 'slow', scope: 'task', delayMs: expect.any(Number), source: 'body' });
    expect(of(CHANNELS.taskSettled)).toEqual(
      expect.arrayContaining([
        { family: 'gpt4o-image', taskId: 'a', outcome: 'completed', errorCode: null },
        { family: 'gpt4o-image', taskId: 'never', outcome: 'timeout', errorCode: 'KIE_WATCH_TIMEOUT' },
      ]),
    );
    expect(JSON.stringify(seen)).not.toContain('secret-key-123');
  });
});
