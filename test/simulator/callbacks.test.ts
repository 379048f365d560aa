/**
 * The simulator's callback delivery, against real receivers on loopback. The simulator clock is moved by
 * hand; `flushCallbacks()` starts what is due and waits for it, so no test sleeps for timing.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCallbackHandler, verifyKieCallback } from '../../src/callbacks/index.js';
import { CALLBACK_TICK_MS, callbackBody } from '../../src/simulator/callbacks.js';
import { createTaskState } from '../../src/simulator/record.js';
import { KieSimulator } from '../../src/simulator/index.js';
import type { KieSimulatorOptions, SimulatedTaskSpec } from '../../src/simulator/index.js';
import { RecordingWatcher } from '../callbacks/helpers.js';
import { call, manualClock, recordUrl, started, T0 } from './helpers.js';

const KEY = 'sim-hmac-canary-5f2b9';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: { code: number; msg: string; data: Record<string, unknown> & { taskId?: string } };
}

type Behaviour = (n: number, req: IncomingMessage, res: ServerResponse) => void;

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function receiver(behaviour: Behaviour = (_n, _req, res) => res.end('ok')): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'] });
      behaviour(++n, req, res);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const r: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/kie/callback`,
    received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
  open.push(r);
  return r;
}

async function simulator(options: KieSimulatorOptions = {}): Promise<KieSimulator> {
  const sim = await started(options);
  open.push(sim);
  return sim;
}

function taskIdOf(r: Received): string | undefined {
  return r.body.data.taskId;
}

describe('delivery', () => {
  it('posts the 4o image body once the task is final, not before, unsigned without a key', async () => {
    const clock = manualClock();
    const r = await receiver();
    const sim = await simulator({ now: clock.now });
    const [taskId] = sim.addTasks([{ durationMs: 5_000, outcome: 'SUCCESS', resultUrls: ['https://x.invalid/a.png'], callBackUrl: r.url }]);
    clock.advance(4_999);
    await sim.flushCallbacks();
    expect(r.received).toEqual([]);
    clock.advance(1);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(1);
    const [got] = r.received;
    expect(got?.body).toEqual({ code: 200, msg: 'success', data: { taskId, info: { result_urls: ['https://x.invalid/a.png'] } } });
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['x-webhook-signature']).toBeUndefined();
    expect(got?.headers['x-webhook-timestamp']).toBeUndefined();
    expect(sim.callbackLog().deliveries).toMatchObject([{ taskId, state: 'delivered', kind: 'first', finalAt: T0 + 5_000, attempts: [{ at: T0 + 5_000, outcome: 'delivered', status: 200 }] }]);
  });

  it('posts failures with the task error code and info null; a task that never ends never calls back', async () => {
    const clock = manualClock();
    const r = await receiver();
    const sim = await simulator({ now: clock.now });
    const specs: SimulatedTaskSpec[] = [
      { durationMs: 0, outcome: 'MODERATED', callBackUrl: r.url },
      { durationMs: 0, outcome: 'GENERATE_FAILED', callBackUrl: r.url },
      { durationMs: 0, outcome: 'CREATE_TASK_FAILED', errorCode: 451, errorMessage: 'download failed', callBackUrl: r.url },
      { durationMs: 0, outcome: 'NEVER', callBackUrl: r.url },
    ];
    const ids = sim.addTasks(specs);
    await sim.flushCallbacks();
    const byId = new Map(r.received.map((x) => [taskIdOf(x), x.body]));
    expect(byId.get(ids[0])).toEqual({ code: 400, msg: 'Internal Error', data: { taskId: ids[0], info: null } });
    expect(byId.get(ids[1])).toEqual({ code: 500, msg: 'Failed to generate image', data: { taskId: ids[1], info: null } });
    expect(byId.get(ids[2])).toEqual({ code: 451, msg: 'download failed', data: { taskId: ids[2], info: null } });
    expect(byId.has(ids[3])).toBe(false);
    expect(r.received).toHaveLength(3);
  });

  it('signs with the simulator key, verifiably with the same clock, and the key shows nowhere', async () => {
    const clock = manualClock();
    const r = await receiver();
    const sim = await simulator({ now: clock.now, callbackHmacKey: KEY });
    const [taskId] = sim.addTasks([{ durationMs: 1_000, outcome: 'SUCCESS', callBackUrl: r.url }]);
    clock.advance(1_000);
    await sim.flushCallbacks();
    const [got] = r.received;
    expect(got?.headers['x-webhook-timestamp']).toBe(String(Math.floor((T0 + 1_000) / 1000)));
    const verified = verifyKieCallback({ headers: got?.headers ?? {}, parsedBody: got?.body, hmacKey: KEY, now: clock.now });
    expect(verified).toEqual({ taskId, code: 200, timestamp: Math.floor((T0 + 1_000) / 1000) });
    expect(() => verifyKieCallback({ headers: got?.headers ?? {}, parsedBody: got?.body, hmacKey: 'other', now: clock.now })).toThrow(/bad-signature/);
    const control = await call(`${sim.url}/__sim/callbacks`);
    expect(JSON.parse(control.text)).toMatchObject({ options: { signed: true } });
    expect(control.text).not.toContain(KEY);
    expect(JSON.stringify(sim.callbackLog())).not.toContain(KEY);
  });

  it('waits the configured delay, drawn from the range per task and the same for the same seed', async () => {
    const plan = async (): Promise<number[]> => {
      const clock = manualClock();
      const r = await receiver();
      const sim = await simulator({ now: clock.now, seed: 11, callbacks: { delayMs: [500, 1_500] } });
      sim.addTasks(Array.from({ length: 20 }, () => ({ durationMs: 1_000, outcome: 'SUCCESS' as const, callBackUrl: r.url })));
      const dues = sim.callbackLog().deliveries.map((d) => d.dueAt - d.finalAt);
      clock.advance(1_499);
      await sim.flushCallbacks();
      expect(r.received).toEqual([]);
      clock.advance(1_500);
      await sim.flushCallbacks();
      expect(r.received).toHaveLength(20);
      return dues;
    };
    const first = await plan();
    for (const d of first) expect(d).toBeGreaterThanOrEqual(500);
    for (const d of first) expect(d).toBeLessThanOrEqual(1_500);
    expect(new Set(first).size).toBeGreaterThan(10);
    expect(await plan()).toEqual(first);
  });

  it('delivers duplicates as a second delivery; signed in the same second they are exact replays the handler ignores', async () => {
    const clock = manualClock();
    const watcher = new RecordingWatcher();
    const handler = createCallbackHandler(watcher, { hmacKey: KEY, now: clock.now, pokeIntervalMs: 0 });
    open.push({ close: async () => handler.close() });
    const r = await receiver();
    const sim = await simulator({ now: clock.now, callbackHmacKey: KEY, callbacks: { duplicateRate: 1 } });
    const ids = sim.addTasks(Array.from({ length: 5 }, () => ({ durationMs: 0, outcome: 'SUCCESS' as const, callBackUrl: r.url })));
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(10);
    expect(sim.callbackLog().deliveries.filter((d) => d.kind === 'duplicate')).toHaveLength(5);
    for (const id of ids) {
      const copies = r.received.filter((x) => taskIdOf(x) === id);
      expect(copies).toHaveLength(2);
      expect(copies[0]?.headers['x-webhook-signature']).toBe(copies[1]?.headers['x-webhook-signature']);
    }
    // Through the real handler: one poke per task.
    const served = await receiverWithHandler(handler);
    const sim2 = await simulator({ now: clock.now, callbackHmacKey: KEY, callbacks: { duplicateRate: 1 }, seed: 2 });
    const ids2 = sim2.addTasks(Array.from({ length: 5 }, () => ({ durationMs: 0, outcome: 'SUCCESS' as const, callBackUrl: served })));
    await sim2.flushCallbacks();
    expect(sim2.callbackLog().stats.delivered).toBe(10);
    expect(watcher.pokes.map((p) => p.taskId).sort()).toEqual([...ids2].sort());
  });

  it('delivers about duplicateRate of callbacks twice', async () => {
    const r = await receiver();
    const sim = await simulator({ callbacks: { duplicateRate: 0.3, delayMs: 0 } });
    sim.addTasks(Array.from({ length: 400 }, () => ({ durationMs: 0, outcome: 'SUCCESS' as const, callBackUrl: r.url })));
    const duplicates = sim.callbackLog().deliveries.filter((d) => d.kind === 'duplicate').length;
    // Binomial(400, 0.3): mean 120, sd 9.2.
    expect(duplicates).toBeGreaterThan(90);
    expect(duplicates).toBeLessThan(150);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(400 + duplicates);
  });

  it('holds some callbacks back so that later tasks overtake them; with outOfOrder 0 the order is the finishing order', async () => {
    const arrivals = async (outOfOrder: number): Promise<{ order: string[]; finishing: string[]; heldBack: number }> => {
      const clock = manualClock();
      const r = await receiver();
      const sim = await simulator({ now: clock.now, seed: 5, callbacks: { outOfOrder, outOfOrderDelayMs: 1_000 } });
      const ids = sim.addTasks(Array.from({ length: 20 }, (_, i) => ({ durationMs: 100 * (i + 1), outcome: 'SUCCESS' as const, callBackUrl: r.url })));
      for (let t = 0; t <= 4_000; t += 50) {
        clock.set(T0 + t);
        await sim.flushCallbacks();
      }
      const heldBack = sim.callbackLog().deliveries.filter((d) => d.heldBack).length;
      return { order: r.received.map((x) => taskIdOf(x) ?? ''), finishing: ids, heldBack };
    };
    const inOrder = await arrivals(0);
    expect(inOrder.order).toEqual(inOrder.finishing);
    const shuffled = await arrivals(0.3);
    expect(shuffled.heldBack).toBeGreaterThan(0);
    expect(shuffled.order).not.toEqual(shuffled.finishing);
    expect([...shuffled.order].sort()).toEqual([...shuffled.finishing].sort());
  });

  it('never sends lost callbacks: about lossRate of them, the same ones for the same seed', async () => {
    const lost = async (): Promise<string[]> => {
      const r = await receiver();
      const sim = await simulator({ seed: 9, callbacks: { lossRate: 0.2 } });
      sim.addTasks(Array.from({ length: 500 }, () => ({ durationMs: 0, outcome: 'SUCCESS' as const, callBackUrl: r.url })));
      await sim.flushCallbacks();
      const log = sim.callbackLog();
      const lostIds = log.deliveries.filter((d) => d.state === 'lost').map((d) => d.taskId);
      expect(log.stats.lost).toBe(lostIds.length);
      expect(r.received).toHaveLength(500 - lostIds.length);
      const receivedIds = new Set(r.received.map(taskIdOf));
      for (const id of lostIds) expect(receivedIds.has(id)).toBe(false);
      return lostIds;
    };
    const first = await lost();
    // Binomial(500, 0.2): mean 100, sd 8.9.
    expect(first.length).toBeGreaterThan(70);
    expect(first.length).toBeLessThan(130);
    expect(await lost()).toEqual(first);
  });
});

describe('failures and retries', () => {
  it('retries a failing receiver with backoff, 3 attempts in all, then drops the callback', async () => {
    const clock = manualClock();
    const r = await receiver((_n, _req, res) => {
      res.statusCode = 500;
      res.end('no');
    });
    const sim = await simulator({ now: clock.now });
    const [taskId] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: r.url }]);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(1);
    clock.advance(999);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(1);
    clock.advance(1);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(2);
    clock.advance(2_000);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(3);
    clock.advance(3_600_000);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(3);
    const [delivery] = sim.callbackLog().deliveries;
    expect(delivery).toMatchObject({ taskId, state: 'failed' });
    expect(delivery?.attempts.map((a) => [a.at - T0, a.outcome, a.status])).toEqual([
      [0, 'http-error', 500],
      [1_000, 'http-error', 500],
      [3_000, 'http-error', 500],
    ]);
    expect(sim.callbackLog().stats).toMatchObject({ failed: 1, delivered: 0, attempts: 3, scheduled: 0, inFlight: 0 });
  });

  it('stops retrying once an attempt succeeds', async () => {
    const clock = manualClock();
    const r = await receiver((n, _req, res) => {
      res.statusCode = n === 1 ? 503 : 204;
      res.end();
    });
    const sim = await simulator({ now: clock.now, callbacks: { retryBackoffMs: 10 } });
    sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: r.url }]);
    await sim.flushCallbacks();
    clock.advance(10);
    await sim.flushCallbacks();
    clock.advance(60_000);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(2);
    expect(sim.callbackLog().deliveries[0]).toMatchObject({ state: 'delivered', attempts: [{ outcome: 'http-error', status: 503 }, { outcome: 'delivered', status: 204 }] });
  });

  it('survives a receiver that is down: network errors, 3 attempts, and the simulator keeps serving', async () => {
    const clock = manualClock();
    const down = await receiver();
    const url = down.url;
    await down.close();
    const sim = await simulator({ now: clock.now, callbacks: { retryBackoffMs: 100 } });
    const [taskId] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: url }]);
    for (let i = 0; i < 3; i++) {
      await sim.flushCallbacks();
      clock.advance(1_000);
    }
    await sim.flushCallbacks();
    expect(sim.callbackLog().deliveries[0]).toMatchObject({ state: 'failed', attempts: [{ outcome: 'network-error' }, { outcome: 'network-error' }, { outcome: 'network-error' }] });
    expect(JSON.parse((await call(recordUrl(sim, taskId))).text)).toMatchObject({ code: 200, data: { status: 'SUCCESS' } });
  });

  it('gives up on an attempt after timeoutMs (real time) and counts it as failed', async () => {
    const r = await receiver(() => undefined);
    const sim = await simulator({ callbacks: { timeoutMs: 150, maxAttempts: 1 } });
    sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: r.url }]);
    await sim.flushCallbacks();
    const [delivery] = sim.callbackLog().deliveries;
    expect(delivery).toMatchObject({ state: 'failed', attempts: [{ outcome: 'timeout' }] });
    expect(delivery?.attempts[0]?.durationMs).toBeGreaterThanOrEqual(140);
    expect(delivery?.attempts[0]?.durationMs).toBeLessThan(2_000);
  });
});

describe('close()', () => {
  it('cancels scheduled and in-flight deliveries, closes their connections and its timer, and sends nothing after', async () => {
    const clock = manualClock();
    const hanging = await receiver(() => undefined);
    const fine = await receiver();
    const live = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const t = realSet(() => {
        live.delete(t);
        fn();
      }, ms);
      if (ms === CALLBACK_TICK_MS) live.add(t);
      return t;
    }) as typeof setTimeout);
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((t) => {
      live.delete(t);
      realClear(t);
    });
    const baseline = process.getActiveResourcesInfo().filter((x) => x === 'TCPSocketWrap').length - hanging.sockets.size - fine.sockets.size;

    const sim = await simulator({ now: clock.now });
    sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: fine.url }]);
    await sim.flushCallbacks();
    expect(fine.received).toHaveLength(1);
    sim.addTasks([
      { durationMs: 0, outcome: 'SUCCESS', callBackUrl: hanging.url },
      { durationMs: 60_000, outcome: 'SUCCESS', callBackUrl: fine.url },
    ]);
    void sim.flushCallbacks();
    await waitUntil(() => hanging.received.length === 1);
    expect(sim.callbackLog().stats).toMatchObject({ inFlight: 1, scheduled: 1 });
    expect(live.size).toBe(1);

    const closing = sim.close();
    expect(live.size).toBe(0);
    await closing;
    // Sockets of the receivers may still be open on their side; the simulator's own must be gone.
    const sockets = process.getActiveResourcesInfo().filter((x) => x === 'TCPSocketWrap').length - hanging.sockets.size - fine.sockets.size;
    expect(sockets).toBeLessThanOrEqual(baseline);
    // Idle keep-alive sockets are unref'd and so not listed: the receivers see whether they were closed.
    await waitUntil(() => hanging.sockets.size === 0 && fine.sockets.size === 0, 1_000);
    expect(live.size).toBe(0);
    expect(sim.callbackLog().deliveries.map((d) => d.state)).toEqual(['delivered', 'cancelled', 'cancelled']);
    expect(sim.callbackLog().stats).toMatchObject({ inFlight: 0, scheduled: 0 });

    clock.advance(120_000);
    await sim.flushCallbacks();
    expect(fine.received).toHaveLength(1);
  });

  it('leaves the simulator usable: after listening again, new tasks call back', async () => {
    const r = await receiver();
    const sim = await simulator();
    await sim.close();
    await sim.listen();
    sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: r.url }]);
    await sim.flushCallbacks();
    expect(r.received).toHaveLength(1);
  });

  it('closes a simulator that never listened but has deliveries in flight', async () => {
    const r = await receiver(() => undefined);
    const sim = new KieSimulator();
    sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: r.url }]);
    void sim.flushCallbacks();
    await waitUntil(() => r.received.length === 1);
    await sim.close();
    expect(sim.callbackLog().deliveries[0]?.state).toBe('cancelled');
  });
});

describe('control', () => {
  it('takes knobs over POST /__sim/callbacks, refuses unknown ones, and shows the log over GET', async () => {
    const clock = manualClock();
    const r = await receiver();
    const sim = await simulator({ now: clock.now });
    const ok = await call(`${sim.url}/__sim/callbacks`, { method: 'POST', body: { delayMs: [100, 200], lossRate: 0, hmacKey: KEY } });
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { ok: true }]);
    const bad = await call(`${sim.url}/__sim/callbacks`, { method: 'POST', body: { lossrate: 0.5 } });
    expect(bad.status).toBe(400);
    const outOfRange = await call(`${sim.url}/__sim/callbacks`, { method: 'POST', body: { delayMs: [200, 100] } });
    expect(outOfRange.status).toBe(400);

    const added = await call(`${sim.url}/__sim/tasks`, { method: 'POST', body: { tasks: [{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: r.url }] } });
    const { taskIds } = JSON.parse(added.text) as { taskIds: string[] };
    clock.advance(200);
    await sim.flushCallbacks();
    const log = JSON.parse((await call(`${sim.url}/__sim/callbacks`)).text) as ReturnType<KieSimulator['callbackLog']>;
    expect(log.options).toMatchObject({ delayMs: [100, 200], signed: true, maxAttempts: 3, timeoutMs: 15_000 });
    expect(log.deliveries).toMatchObject([{ taskId: taskIds[0], state: 'delivered', url: r.url }]);
    expect(log.stats).toMatchObject({ delivered: 1, attempts: 1 });
    expect(r.received[0]?.headers['x-webhook-signature']).toBeDefined();

    const badUrl = await call(`${sim.url}/__sim/tasks`, { method: 'POST', body: { tasks: [{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: 'ftp://x/y' }] } });
    expect(badUrl.status).toBe(400);
    expect(() => sim.addTask({ durationMs: 0, outcome: 'SUCCESS', callBackUrl: 'not a url' })).toThrow(RangeError);
    expect(sim.stats().tasks).toBe(1);
  });

  it('checks for due deliveries every tickMs of real time (for compressed clocks), 10 ms unless told', async () => {
    const periods: (number | undefined)[] = [];
    const realSet = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      periods.push(ms);
      return realSet(fn, ms);
    }) as typeof setTimeout);
    const r = await receiver();
    const sim = await simulator();
    sim.addTasks([{ durationMs: 30, outcome: 'SUCCESS', callBackUrl: r.url }]);
    await waitUntil(() => r.received.length === 1);
    expect(periods).toContain(CALLBACK_TICK_MS);
    periods.length = 0;
    sim.setCallbackOptions({ tickMs: 2 });
    sim.addTasks([{ durationMs: 30, outcome: 'SUCCESS', callBackUrl: r.url }]);
    await waitUntil(() => r.received.length === 2);
    expect(periods).toContain(2);
    expect(periods).not.toContain(CALLBACK_TICK_MS);
    expect(sim.callbackLog().options.tickMs).toBe(2);
    expect(() => sim.setCallbackOptions({ tickMs: 0 })).toThrow();
  });

  it('calls back tasks created through POST /api/v1/gpt4o-image/generate with callBackUrl, and refuses a bad one', async () => {
    const r = await receiver();
    const sim = await simulator({ generate: { minDurationMs: 0, maxDurationMs: 0, failureRate: 0 } });
    const generate = `${sim.url}/api/v1/gpt4o-image/generate`;
    const created = JSON.parse((await call(generate, { method: 'POST', body: { prompt: 'a cat', callBackUrl: r.url } })).text) as { data: { taskId: string } };
    await sim.flushCallbacks();
    expect(r.received.map(taskIdOf)).toEqual([created.data.taskId]);
    const refused = JSON.parse((await call(generate, { method: 'POST', body: { prompt: 'a cat', callBackUrl: 'javascript:alert(1)' } })).text) as { code: number };
    expect(refused.code).toBe(422);
  });
});

describe('callbackBody', () => {
  it('posts the whole record for a market task', () => {
    const task = createTaskState({ durationMs: 0, outcome: 'SUCCESS', family: 'market' }, 'm-1', T0, 1);
    const body = callbackBody(task, T0) as { code: number; data: Record<string, unknown> };
    expect(body.code).toBe(200);
    expect(body.data['taskId']).toBe('m-1');
    expect(body.data).not.toHaveProperty('info');
  });

  it('answers 501 with the record for a failed market task', () => {
    const task = createTaskState({ durationMs: 0, outcome: 'GENERATE_FAILED', family: 'market' }, 'm-2', T0, 1);
    const body = callbackBody(task, T0) as { code: number; data: Record<string, unknown> };
    expect(body.code).toBe(501);
    expect(body.data['taskId']).toBe('m-2');
  });

  it('posts Suno\'s own shape (task_id, callbackType) and the 4o shape for the other families', () => {
    const suno = callbackBody(createTaskState({ durationMs: 0, outcome: 'SUCCESS', family: 'suno' }, 's-1', T0, 1), T0) as { data: Record<string, unknown> };
    expect(suno.data).toMatchObject({ callbackType: 'complete', task_id: 's-1' });
    const veo = callbackBody(createTaskState({ durationMs: 0, outcome: 'GENERATE_FAILED', family: 'veo' }, 'v-1', T0, 1), T0) as { code: number; data: Record<string, unknown> };
    expect(veo.code).not.toBe(200);
    expect(veo.data).toEqual({ taskId: 'v-1', info: null });
  });
});

async function receiverWithHandler(handler: ReturnType<typeof createCallbackHandler>): Promise<string> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/kie/callback`;
}

async function waitUntil(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
