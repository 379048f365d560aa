/**
 * Issue 11's "Bad input" list, each against a real `node:http` server running the handler: the right status,
 * no poke beyond one per callback, no crash, no blocked event loop, and the HMAC key nowhere.
 */
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { CallbackRejectedError, signKieCallback, verifyKieCallback } from '../../src/callbacks/index.js';
import { failOnProcessErrors, reachableStrings } from '../reliability/helpers.js';
import { HMAC_KEY, post, postPaced, signed, startReceiver, successBody } from './helpers.js';
import type { Answer, FloodItem, Receiver } from './helpers.js';

failOnProcessErrors();

const TASK = 'task-0001';
let receivers: Receiver[] = [];

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

function error(answer: Answer): unknown {
  return (JSON.parse(answer.text) as { error?: unknown }).error;
}

describe('a signed endpoint refuses what KIE did not sign', () => {
  it('answers 401 to a forged signature and pokes nothing', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    const headers = { ...signed(TASK), 'x-webhook-signature': signKieCallback(TASK, Math.floor(Date.now() / 1000), 'not-the-key') };
    const answer = await post(`${r.url}/cb`, successBody(TASK), { headers });
    expect(answer.status).toBe(401);
    expect(error(answer)).toBe('bad-signature');
    expect(r.watcher.pokes).toEqual([]);
  });

  it('answers 401 to a valid signature of another taskId (the signature binds the taskId)', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    const answer = await post(`${r.url}/cb`, successBody(TASK), { headers: signed('task-0002') });
    expect(answer.status).toBe(401);
    expect(error(answer)).toBe('bad-signature');
    expect(r.watcher.pokes).toEqual([]);
  });

  it('answers 401 to a stale and to a future timestamp, and accepts one at the edge of the tolerance', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY, toleranceSec: 300 });
    const stale = await post(`${r.url}/cb`, successBody(TASK), { headers: signed(TASK, Date.now() - 302_000) });
    const future = await post(`${r.url}/cb`, successBody(TASK), { headers: signed(TASK, Date.now() + 302_000) });
    expect([stale.status, error(stale)]).toEqual([401, 'stale-timestamp']);
    expect([future.status, error(future)]).toEqual([401, 'future-timestamp']);
    expect(r.watcher.pokes).toEqual([]);
    const edge = await post(`${r.url}/cb`, successBody(TASK), { headers: signed(TASK, Date.now() - 298_000) });
    expect(edge.status).toBe(200);
    expect(r.watcher.pokes).toEqual([{ taskId: TASK, family: undefined }]);
  });

  it('answers 401 when either header is missing or sent twice', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    const good = signed(TASK);
    const missing = await post(`${r.url}/cb`, successBody(TASK), { headers: { 'x-webhook-timestamp': good['x-webhook-timestamp'] ?? '' } });
    expect([missing.status, error(missing)]).toEqual([401, 'missing-signature']);
    // Sent twice on the wire: node:http would join them with ", "; the handler reads headersDistinct.
    const twice = await rawRequest(r.url, [
      'POST /cb HTTP/1.1',
      'Host: x',
      'Content-Type: application/json',
      `X-Webhook-Timestamp: ${good['x-webhook-timestamp']}`,
      `X-Webhook-Signature: ${good['x-webhook-signature']}`,
      `X-Webhook-Signature: ${good['x-webhook-signature']}`,
      `Content-Length: ${JSON.stringify(successBody(TASK)).length}`,
      'Connection: close',
      '',
      JSON.stringify(successBody(TASK)),
    ]);
    expect(twice).toMatch(/^HTTP\/1\.1 401 /);
    expect(twice).toContain('duplicate-header');
    expect(r.watcher.pokes).toEqual([]);
  });
});

describe('replays', () => {
  it('answers a signed replay 200 without poking again', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    const headers = signed(TASK);
    const first = await post(`${r.url}/cb`, successBody(TASK), { headers });
    const again = await post(`${r.url}/cb`, successBody(TASK), { headers });
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(JSON.parse(again.text)).toEqual({ ok: true, duplicate: true });
    expect(r.watcher.pokes).toHaveLength(1);
  });

  it('answers an unsigned replay (the same body) 200 without poking again', async () => {
    const r = await receiver({ pokeIntervalMs: 0 });
    await post(`${r.url}/cb`, successBody(TASK));
    const again = await post(`${r.url}/cb`, successBody(TASK));
    expect(again.status).toBe(200);
    expect(r.watcher.pokes).toHaveLength(1);
  });

  it('pokes again once the dedupe TTL has passed', async () => {
    let now = Date.UTC(2026, 0, 1);
    const r = await receiver({ pokeIntervalMs: 0, dedupeTtlMs: 60_000, now: () => now });
    await post(`${r.url}/cb`, successBody(TASK));
    now += 59_999;
    await post(`${r.url}/cb`, successBody(TASK));
    expect(r.watcher.pokes).toHaveLength(1);
    now += 1;
    await post(`${r.url}/cb`, successBody(TASK));
    expect(r.watcher.pokes).toHaveLength(2);
  });
});

describe('bodies', () => {
  it('answers 413 to a declared body over the cap without reading it', async () => {
    const r = await receiver({ maxBodyBytes: 1024 });
    const big = { ...successBody(TASK), pad: 'x'.repeat(2000) };
    const answer = await post(`${r.url}/cb`, big);
    expect([answer.status, error(answer)]).toEqual([413, 'body-too-large']);
    expect(answer.headers['connection']).toBe('close');
    expect(r.watcher.pokes).toEqual([]);
  });

  it('answers 413 to a streamed body once it passes the cap, and does not read the rest', async () => {
    const r = await receiver();
    const total = 32 * 1024 * 1024;
    const body = Readable.from(
      (function* chunks(): Generator<Buffer> {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
      })(),
    );
    // No content-length: the cap has to be enforced while reading.
    const res = await request(`${r.url}/cb`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.statusCode).toBe(413);
    expect(await res.body.text()).toContain('body-too-large');
    await waitFor(() => r.bytesRead.length === 1);
    // The cap is 64 KiB; what the server read is that plus the socket's buffers, far from the 32 MiB sent.
    expect(r.bytesRead[0]).toBeLessThan(1024 * 1024);
    expect(r.watcher.pokes).toEqual([]);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const r = await receiver();
    const answer = await post(`${r.url}/cb`, '{"code":200,"data":{"taskId":', { raw: true });
    expect([answer.status, error(answer)]).toEqual([400, 'malformed-body']);
  });

  it('answers 400 to a JSON array, a JSON string and null', async () => {
    const r = await receiver();
    for (const body of [[successBody(TASK)], 'task-0001', null]) {
      const answer = await post(`${r.url}/cb`, body);
      expect([answer.status, error(answer)]).toEqual([400, 'malformed-body']);
    }
    expect(r.watcher.pokes).toEqual([]);
  });

  it('answers 400 to a body without a taskId, with an invalid one, or with two that disagree', async () => {
    const r = await receiver();
    const cases: [unknown, string][] = [
      [{ code: 200, msg: 'success', data: null }, 'no-task-id'],
      [{ code: 200, msg: 'success', data: { info: {} } }, 'no-task-id'],
      [{ code: 200, data: { taskId: 12345 } }, 'no-task-id'],
      [{ code: 200, data: { taskId: '../../admin' } }, 'invalid-task-id'],
      [{ code: 200, data: { taskId: 'x'.repeat(129) } }, 'invalid-task-id'],
      [{ code: 200, data: { taskId: 'a', task_id: 'b' } }, 'malformed-body'],
    ];
    for (const [body, reason] of cases) {
      const answer = await post(`${r.url}/cb`, body);
      expect([answer.status, error(answer)]).toEqual([400, reason]);
    }
    expect(r.watcher.pokes).toEqual([]);
  });

  it('answers 415 to a content type that is not JSON, and accepts a JSON one with a charset', async () => {
    const r = await receiver();
    const form = await post(`${r.url}/cb`, 'taskId=task-0001', { raw: true, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const text = await post(`${r.url}/cb`, JSON.stringify(successBody(TASK)), { raw: true, headers: { 'content-type': 'text/plain' } });
    expect([form.status, error(form)]).toEqual([415, 'unsupported-media-type']);
    expect(text.status).toBe(415);
    expect(r.watcher.pokes).toEqual([]);
    const ok = await post(`${r.url}/cb`, successBody(TASK), { headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    expect(ok.status).toBe(200);
  });

  it('answers 405 with Allow: POST to any other method', async () => {
    const r = await receiver();
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const answer = await post(`${r.url}/cb`, successBody(TASK), { method });
      expect(answer.status).toBe(405);
      expect(answer.headers['allow']).toBe('POST');
    }
    expect(r.watcher.pokes).toEqual([]);
  });

  it("leaves a huge header to node's own parser: 431, and the handler never runs", async () => {
    const r = await receiver();
    const answer = await rawRequest(r.url, [
      'POST /cb HTTP/1.1',
      'Host: x',
      'Content-Type: application/json',
      `X-Webhook-Signature: ${'A'.repeat(64 * 1024)}`,
      'Content-Length: 2',
      '',
      '{}',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(r.watcher.pokes).toEqual([]);
    expect(r.lines).toEqual([]);
    // And the server goes on serving.
    expect((await post(`${r.url}/cb`, successBody(TASK))).status).toBe(200);
  });
});

describe('tasks the watcher does not know', () => {
  it('answers 200 and pokes anyway: which tasks are watched is the watcher\'s to know (see watcher-flood.test.ts)', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    const answer = await post(`${r.url}/cb`, successBody('never-heard-of-it'), { headers: signed('never-heard-of-it') });
    expect(answer.status).toBe(200);
    expect(r.watcher.pokes).toEqual([{ taskId: 'never-heard-of-it', family: undefined }]);
  });
});

describe('a flood of 1,000 callbacks per second for one task', () => {
  /** Sends `count` requests at `perSecond` through 16 connections while pinging the same server. */
  async function flood(r: Receiver, count: number, perSecond: number, make: FloodItem) {
    const pool = new Pool(r.url, { connections: 16 });
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const pings: number[] = [];
    let flooding = true;
    const pinger = (async () => {
      while (flooding) {
        const t = performance.now();
        const res = await request(`${r.url}/ping`);
        await res.body.text();
        pings.push(performance.now() - t);
        await sleep(20);
      }
    })();
    const { statuses, elapsedMs } = await postPaced(`${r.url}/cb`, pool, count, perSecond, make);
    flooding = false;
    await pinger;
    histogram.disable();
    await pool.close();
    return { statuses, elapsedMs, pings, p99LoopDelayMs: histogram.percentile(99) / 1e6, maxLoopDelayMs: histogram.max / 1e6 };
  }

  it('of replays: every one answered 200, one poke, the loop never blocked and /ping served throughout', async ({ annotate }) => {
    // No poke coalescing here: dedupe alone must hold the replays to one poke.
    const r = await receiver({ hmacKey: HMAC_KEY, pokeIntervalMs: 0 });
    const headers = signed(TASK);
    const result = await flood(r, 1000, 1000, () => ({ body: successBody(TASK), headers }));
    await annotate(describeFlood(result));
    expect(result.statuses).toHaveLength(1000);
    expect(new Set(result.statuses)).toEqual(new Set([200]));
    expect(r.watcher.pokes).toHaveLength(1);
    await annotate(`${r.watcher.pokes.length} poke`);
    expect(result.elapsedMs).toBeLessThan(5_000);
    expect(result.pings.length).toBeGreaterThan(5);
    // Generous bounds for a shared 2-core machine (measured p99 9 to 67 ms): a blocking handler shows seconds.
    expect(result.p99LoopDelayMs).toBeLessThan(200);
    expect(Math.max(...result.pings)).toBeLessThan(1_000);
  });

  it('of distinct callbacks: at most one poke per second per task, plus the trailing one', async ({ annotate }) => {
    const r = await receiver();
    const result = await flood(r, 1000, 1000, (i) => ({ body: { ...successBody(TASK), msg: `n${i}` }, headers: {} }));
    await annotate(describeFlood(result));
    expect(new Set(result.statuses)).toEqual(new Set([200]));
    // Leading poke, then one per 1000 ms window while callbacks keep coming, then the trailing one.
    await sleep(1_100);
    await annotate(`${r.watcher.pokes.length} pokes`);
    expect(r.watcher.pokes.length).toBeGreaterThanOrEqual(2);
    expect(r.watcher.pokes.length).toBeLessThanOrEqual(Math.ceil(result.elapsedMs / 1000) + 2);
    expect(result.p99LoopDelayMs).toBeLessThan(200);
  });
});

describe('secrets', () => {
  it('the HMAC key and the signatures appear in no log line, error or response', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    const now = Date.now();
    const goodSig = signed(TASK, now)['x-webhook-signature'] ?? '';
    const forged = signKieCallback(TASK, Math.floor(now / 1000), 'not-the-key');
    const texts: string[] = [];
    const attempts: Record<string, string>[] = [
      signed(TASK, now),
      signed(TASK, now),
      { ...signed(TASK, now), 'x-webhook-signature': forged },
      signed('task-0002', now),
      signed(TASK, now - 400_000),
      signed(TASK, now + 400_000),
      { 'x-webhook-signature': goodSig },
    ];
    for (const headers of attempts) texts.push((await post(`${r.url}/cb`, successBody(TASK), { headers })).text);
    texts.push((await post(`${r.url}/cb`, 'not json', { raw: true, headers: signed(TASK, now) })).text);
    const errors: unknown[] = [];
    for (const headers of attempts.slice(2)) {
      try {
        verifyKieCallback({ headers, rawBody: JSON.stringify(successBody(TASK)), hmacKey: HMAC_KEY });
      } catch (err) {
        expect(err).toBeInstanceOf(CallbackRejectedError);
        errors.push(err);
      }
    }
    expect(errors).toHaveLength(5);
    expect(r.lines.length).toBeGreaterThan(0);
    const everything = [...r.lines, ...texts, ...errors.flatMap((e) => reachableStrings(e))].join('\n');
    for (const secret of [HMAC_KEY, goodSig, forged, Buffer.from(HMAC_KEY).toString('base64')]) {
      expect(everything).not.toContain(secret);
    }
  });
});

function describeFlood(result: { elapsedMs: number; pings: number[]; p99LoopDelayMs: number; maxLoopDelayMs: number }): string {
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  return `1000 callbacks in ${ms(result.elapsedMs)}; event-loop delay p99 ${ms(result.p99LoopDelayMs)}, max ${ms(result.maxLoopDelayMs)}; ${result.pings.length} pings, slowest ${ms(Math.max(...result.pings))}`;
}

async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Writes raw HTTP/1.1 lines (for what a client library would refuse to send) and returns the answer. */
function rawRequest(url: string, lines: string[]): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
    socket.on('close', () => resolve(answer));
    socket.write(lines.join('\r\n'));
  });
}
