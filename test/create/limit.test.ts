import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, WatchTimeoutError, WatcherClosedError } from '../../src/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { closeAll, freePort, KEY, open, rejection, sim, watcher } from './helpers.js';

afterEach(closeAll);

const INPUT = { prompt: 'a red fox', size: '1:1' } as const;

describe('the creation limit holds at the provider, on arrival', () => {
  it('60 creates at 10 per 400 ms: no window at the simulator holds more than 10, and the limit is used', async () => {
    const s = await sim({ creation: { requests: 10, windowMs: 400 } });
    const w = watcher(s.url, { submitLimit: { requests: 10, windowMs: 400 } });
    const start = Date.now();
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => w.submit('gpt4o-image', { ...INPUT, prompt: `fox ${i}` })));
    const elapsed = Date.now() - start;
    expect(new Set(results.map((r) => r.taskId)).size).toBe(60);
    const st = s.createStats();
    expect({ violations: st.windowViolations, rateLimited: st.rateLimited, created: st.created, billedTwice: st.billedTwice }).toEqual({ violations: 0, rateLimited: 0, created: 60, billedTwice: 0 });
    expect(st.maxInWindow).toBe(10);
    // Six windows of 400 ms (plus the jitter margin each) at the most: the limit is used, not merely respected.
    expect(elapsed).toBeLessThan(6 * (400 + 120) + 1_000);
  });

  it('with slow create answers holding connections, the window still holds (arrivals are what count)', async () => {
    const s = await sim({ creation: { requests: 5, windowMs: 300 } });
    const w = watcher(s.url, { submitLimit: { requests: 5, windowMs: 300 } });
    // Slow answers (200 ms) outlast part of the window; a limiter counting answers would let a burst through.
    s.setCreateFaults({ slowAfterCreate: 0.5, slowMs: 200 });
    await Promise.all(Array.from({ length: 25 }, (_, i) => w.submit('market', { model: 'google/nano-banana', input: { prompt: `p${i}` } })));
    expect(s.createStats()).toMatchObject({ windowViolations: 0, created: 25, billedTwice: 0 });
  });

  it('a 429 then accept: retried until created, once per body', async () => {
    const s = await sim({ createFaults: { rateLimited: 0.5 }, seed: 7 });
    const w = watcher(s.url, { retry: { baseDelayMs: 20, maxDelayMs: 100 } });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => w.submit('veo', { prompt: `fox ${i}` })));
    const st = s.createStats();
    expect(st.rateLimited).toBeGreaterThan(0);
    expect(st.created).toBe(12);
    expect(st.billedTwice).toBe(0);
    expect(st.arrivals).toBe(12 + st.rateLimited);
    expect(new Set(results.map((r) => r.taskId)).size).toBe(12);
  });

  it('a connection refused before sending is retried: the create is sent once the server is up', async () => {
    const port = await freePort();
    const w = watcher(`http://127.0.0.1:${port}`, { retry: { baseDelayMs: 50, maxDelayMs: 100 } });
    const pending = w.submit('gpt4o-image', INPUT, { key: 'refused-first' });
    await new Promise((r) => setTimeout(r, 300));
    const s = await startSimulator({ apiKey: KEY, port, generate: { minDurationMs: 50, maxDurationMs: 100, failureRate: 0 } });
    open.push(s);
    const r = await pending;
    expect(r.key).toBe('refused-first');
    expect(s.createStats()).toMatchObject({ arrivals: 1, created: 1 });
  });
});

describe('the queue: FIFO, with signal and deadline honoured while queued', () => {
  it('creates are sent in call order', async () => {
    const s = await sim({ creation: { requests: 1, windowMs: 100 } });
    const w = watcher(s.url, { submitLimit: { requests: 1, windowMs: 100 }, rateJitterMarginMs: 20 });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => w.submit('gpt4o-image', { ...INPUT, prompt: `n${i}` }).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.createStats().windowViolations).toBe(0);
    const sent = [...s.bills().keys()].map((b) => (JSON.parse(b) as { prompt: string }).prompt);
    expect(sent).toEqual(['n0', 'n1', 'n2', 'n3', 'n4', 'n5']);
  });

  it('an abort while queued rejects with AbortError and sends nothing; the key is free again', async () => {
    const s = await sim({ creation: { requests: 1, windowMs: 60_000 } });
    const w = watcher(s.url, { submitLimit: { requests: 1, windowMs: 60_000 } });
    await w.submit('gpt4o-image', INPUT);
    const ac = new AbortController();
    const queued = w.submit('gpt4o-image', INPUT, { key: 'later', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user gave up')), 50);
    const err = await rejection(queued);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).taskId).toBeUndefined();
    expect(s.createStats().arrivals).toBe(1);
  });

  it('generate\'s deadline passing while queued rejects with WatchTimeoutError without a taskId; nothing is sent', async () => {
    const s = await sim({ creation: { requests: 1, windowMs: 60_000 } });
    const w = watcher(s.url, { submitLimit: { requests: 1, windowMs: 60_000 } });
    await w.submit('gpt4o-image', INPUT);
    const err = await rejection(w.generate('gpt4o-image', INPUT, { timeoutMs: 100 }));
    expect(err).toBeInstanceOf(WatchTimeoutError);
    expect((err as WatchTimeoutError).taskId).toBeUndefined();
    expect(s.createStats().arrivals).toBe(1);
  });

  it('one caller aborting does not cancel a create another caller shares by key', async () => {
    const s = await sim({ creation: { requests: 1, windowMs: 300 } });
    const w = watcher(s.url, { submitLimit: { requests: 1, windowMs: 300 } });
    await w.submit('gpt4o-image', INPUT);
    const ac = new AbortController();
    const a = w.submit('gpt4o-image', INPUT, { key: 'shared', signal: ac.signal });
    const b = w.submit('gpt4o-image', INPUT, { key: 'shared' });
    ac.abort();
    expect(await rejection(a)).toBeInstanceOf(AbortError);
    expect((await b).key).toBe('shared');
    expect(s.createStats().arrivals).toBe(2);
  });

  it('close() rejects queued creates with WatcherClosedError and lets the one in flight finish', async () => {
    const s = await sim({ creation: { requests: 1, windowMs: 60_000 }, createFaults: { slowAfterCreate: 1, slowMs: 300 } });
    const w = watcher(s.url, { submitLimit: { requests: 1, windowMs: 60_000 } });
    const first = w.submit('gpt4o-image', INPUT);
    const queued = w.submit('gpt4o-image', INPUT);
    await new Promise((r) => setTimeout(r, 50));
    const closed = w.close();
    expect(await rejection(queued)).toBeInstanceOf(WatcherClosedError);
    expect((await first).taskId).toEqual(expect.any(String));
    const { pending } = await closed;
    expect(pending.map((p) => p.taskId)).toContain((await first).taskId);
  });
});
