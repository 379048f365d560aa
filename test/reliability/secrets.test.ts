/**
 * Secret hygiene: a canary API key goes through every fault class with a pino logger at `trace`
 * capturing every line, and is then searched for in every log line, every event payload, and every
 * error (message, stack, every own property, down the whole `cause` chain, non-enumerable ones too).
 * Redirects are never followed, so the Authorization header never reaches another origin.
 */
import { inspect } from 'node:util';
import { describe, expect, it, type TestContext } from 'vitest';
import { InvalidResponseError, TaskWatcher, type TaskWatcherOptions } from '../../src/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import {
  Bag,
  failOnProcessErrors,
  captureLogger,
  causeChain,
  envelope,
  errorOf,
  generatingBody,
  reachableStrings,
  recordData,
  recordEvents,
  sendJson,
  sleep,
  successBody,
  testServer,
  unusedPort,
  type TestServer,
} from './helpers.js';

failOnProcessErrors();

const CANARY = 'sk-canary-7Hq2Zp9Lm4Xv8Rb1Yt6W';

/** Everything a user could see or log: lines, events, errors (deeply). */
class Evidence {
  readonly lines: string[] = [];
  readonly events: { name: string; payload: unknown }[] = [];
  readonly errors: unknown[] = [];
  readonly watchers: TaskWatcher[] = [];

  watcher(bag: Bag, baseUrl: string, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
    const { logger, lines } = captureLogger();
    const w = bag.add(new TaskWatcher({ apiKey: CANARY, baseUrl, logger, retry: { baseDelayMs: 20, maxDelayMs: 200, maxConsecutiveErrors: 6, maxInvalidResponses: 3 }, ...extra }));
    this.watchers.push(w);
    this.events.push(...recordEvents(w));
    // The captured array is shared: keep a handle to read it later.
    this.#lineSources.push(lines);
    return w;
  }

  readonly #lineSources: string[][] = [];

  async settle(p: Promise<unknown>): Promise<unknown> {
    try {
      return await p;
    } catch (e) {
      this.errors.push(e);
      return e;
    }
  }

  /** Every place the canary could be, as [where, text] pairs. */
  haystack(): [string, string][] {
    const out: [string, string][] = [];
    for (const src of this.#lineSources) for (const l of src) out.push(['log line', l]);
    for (const e of this.events) out.push([`event ${e.name}`, reachableStrings(e.payload).join('\n')]);
    for (const e of [...this.errors, ...this.events.filter((x) => x.name === 'failed' || x.name === 'timeout').map((x) => (x.payload as { error: unknown }).error)]) {
      for (const [i, link] of causeChain(e).entries()) {
        out.push([`error cause[${i}] strings`, reachableStrings(link).join('\n')]);
        out.push([`error cause[${i}] String()`, String(link)]);
        out.push([`error cause[${i}] stack`, String((link as { stack?: unknown }).stack)]);
      }
      out.push(['error inspect()', inspect(e, { depth: 6 })]);
      out.push(['error JSON', safeJson(e)]);
    }
    return out;
  }

  lineCount(): number {
    return this.#lineSources.reduce((n, l) => n + l.length, 0);
  }
}

function safeJson(e: unknown): string {
  try {
    return JSON.stringify(e, e && typeof e === 'object' ? Object.getOwnPropertyNames(e) : undefined) ?? '';
  } catch {
    return '';
  }
}

function expectNoCanary(ev: Evidence): void {
  const leaks = ev
    .haystack()
    .filter(([, text]) => text.includes(CANARY) || text.includes(CANARY.slice(3)))
    .map(([where, text]) => `${where}: ${text.slice(Math.max(0, text.indexOf(CANARY.slice(3)) - 80), text.indexOf(CANARY.slice(3)) + 60)}`);
  expect(leaks).toEqual([]);
}

describe.concurrent('the canary key leaks nowhere', () => {
  it('through every simulator fault (5xx HTML, body 500/455/408/429, HTTP 429, resets, timeouts, malformed JSON), failures, deadlines, unknown tasks, aborts and close()', async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const ev = new Evidence();
    const s = bag.add(
      await startSimulator({
        apiKey: CANARY,
        seed: 5,
        faults: { http5xx: 0.1, body500: 0.08, body455: 0.08, body408: 0.05, body429: 0.05, http429: 0.03, malformedJson: 0.06, reset: 0.06, slow: 0.05, slowMs: 800 },
      }),
    );
    const outcomes = ['SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED', 'NEVER'] as const;
    const ids = s.addTasks(Array.from({ length: 25 }, (_, i) => ({ taskId: `canary-${i}`, durationMs: 300 + (i % 5) * 150, outcome: outcomes[i % outcomes.length] ?? 'SUCCESS' })));
    s.addTask({ taskId: 'canary-late', durationMs: 300, outcome: 'SUCCESS', invisibleForMs: 400 });
    const w = ev.watcher(bag, s.url, { policy: 'fastest', requestTimeoutMs: 300, unknownTaskGraceMs: 1_000, retry: { baseDelayMs: 20, maxDelayMs: 200, maxConsecutiveErrors: 30, maxInvalidResponses: 10 } });
    const ac = new AbortController();
    const waits = [
      ...ids.map((id) => ev.settle(w.waitForCompletion(id, { timeoutMs: 2_500 }))),
      ev.settle(w.waitForCompletion('canary-late')),
      ev.settle(w.waitForCompletion('canary-ghost')),
      ev.settle(w.waitForCompletion('canary-0', { signal: ac.signal })),
    ];
    const stream = ev.settle(
      (async () => {
        for await (const u of w.updates('canary-4', { timeoutMs: 2_500 })) void u;
      })(),
    );
    ac.abort(new Error('user left'));
    await Promise.all([...waits, stream]);
    // close() with work in flight: the closed errors are evidence too.
    w.watch('canary-4');
    const closing = ev.settle(w.waitForCompletion('canary-9'));
    await sleep(50);
    await w.close();
    await closing;
    expect(s.stats().faultsInjected).toBeGreaterThan(10);
    expect(new Set(ev.errors.map((e) => (e as { code?: string }).code))).toEqual(
      new Set(['KIE_TASK_FAILED', 'KIE_WATCH_TIMEOUT', 'KIE_API_ERROR', 'KIE_ABORTED', 'KIE_WATCHER_CLOSED']),
    );
    expect(ev.lineCount()).toBeGreaterThan(50);
    expectNoCanary(ev);
  });

  it('through 401 mid-run, an oversized body, HTML with HTTP 200, schema drift, redirects, a refused port and a DNS failure', async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const ev = new Evidence();
    let revoked = false;
    const s = bag.add(
      await testServer(({ taskId, n, res }) => {
        if (taskId.startsWith('big')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(Buffer.alloc(2 * 1024 * 1024, 0x61));
          return;
        }
        if (taskId.startsWith('html')) {
          res.writeHead(200, { 'content-type': 'text/html' });
          return void res.end('<html>login</html>');
        }
        if (taskId.startsWith('redirect')) {
          res.writeHead(302, { location: `http://127.0.0.1:1/steal?key=${encodeURIComponent('from-server')}` });
          return void res.end();
        }
        if (taskId.startsWith('drift')) return sendJson(res, n === 0 ? envelope({ taskId, status: 'WHATEVER', extra: [1] }) : successBody(taskId));
        if (taskId.startsWith('mixed')) return sendJson(res, n === 0 ? envelope(recordData(taskId, { successFlag: 3 })) : successBody(taskId));
        sendJson(res, revoked ? envelope(null, 401, 'Unauthorized') : generatingBody(taskId));
      }),
    );
    const refusedUrl = `http://127.0.0.1:${await unusedPort()}`;
    await Promise.all([
      (async () => {
        const w1 = ev.watcher(bag, s.url, { policy: 'fastest' });
        await Promise.all(['big-1', 'html-1', 'redirect-1', 'drift-1', 'mixed-1'].map((id) => ev.settle(w1.waitForCompletion(id))));
      })(),
      (async () => {
        const w2 = ev.watcher(bag, s.url, { policy: 'fastest' });
        const running = ['run-1', 'run-2', 'run-3'].map((id) => ev.settle(w2.waitForCompletion(id)));
        await sleep(300);
        revoked = true;
        await Promise.all(running);
        await ev.settle(w2.waitForCompletion('after-halt'));
      })(),
      (async () => {
        const refused = ev.watcher(bag, refusedUrl);
        await ev.settle(refused.waitForCompletion('refused-1'));
      })(),
      (async () => {
        const dns = ev.watcher(bag, 'https://kie-watcher-canary.invalid', { requestTimeoutMs: 2_000 });
        await ev.settle(dns.waitForCompletion('dns-1'));
      })(),
    ]);
    expect(new Set(ev.errors.map((e) => (e as { code?: string }).code))).toEqual(
      new Set(['KIE_INVALID_RESPONSE', 'KIE_TASK_FAILED', 'KIE_API_ERROR', 'KIE_TRANSPORT_ERROR']),
    );
    expectNoCanary(ev);
  });

  it('even when the provider echoes the key back in `msg` (as some APIs do on auth errors)', async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const ev = new Evidence();
    const s = bag.add(
      await testServer(({ n, req, res }) => {
        const presented = req.headers.authorization ?? '';
        if (n === 0) return sendJson(res, envelope(null, 500, `upstream rejected credentials ${presented}`));
        sendJson(res, envelope(null, 401, `Invalid API key: ${presented.replace(/^Bearer /, '')}`));
      }),
    );
    const w = ev.watcher(bag, s.url);
    await ev.settle(w.waitForCompletion('echo-1'));
    expect(ev.errors).toHaveLength(1);
    expectNoCanary(ev);
  });
});

describe.concurrent('redirects', () => {
  it.for([301, 302, 303, 307, 308])('HTTP %i to another origin is not followed: the second server never sees a request, the task ends with InvalidResponseError', async (status, ctx) => {
    const bag = new Bag(ctx.onTestFinished);
    const other: TestServer = bag.add(await testServer(({ res }) => sendJson(res, successBody('stolen'))));
    const first = bag.add(
      await testServer(({ taskId, res }) => {
        res.writeHead(status, { location: `${other.url}/api/v1/gpt4o-image/record-info?taskId=${taskId}` });
        res.end();
      }),
    );
    const w = bag.add(new TaskWatcher({ apiKey: CANARY, baseUrl: first.url, retry: { baseDelayMs: 20, maxDelayMs: 100, maxInvalidResponses: 3 } }));
    const errs = await Promise.all(['r-1', 'r-2', 'r-3'].map((id) => errorOf(w.waitForCompletion(id))));
    for (const e of errs) {
      expect(e).toBeInstanceOf(InvalidResponseError);
      expect((e as Error).message).toContain(`unexpected redirect (HTTP ${status})`);
    }
    expect(first.hits).toHaveLength(9);
    expect(first.hits.every((h) => h.authorization === `Bearer ${CANARY}`)).toBe(true);
    await sleep(50);
    expect(other.hits).toHaveLength(0);
  });

  it('a same-origin redirect is not followed either (one request per poll, only to record-info)', async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const s = bag.add(
      await testServer(({ res }) => {
        res.writeHead(307, { location: '/elsewhere' });
        res.end();
      }),
    );
    const w = bag.add(new TaskWatcher({ apiKey: CANARY, baseUrl: s.url, retry: { baseDelayMs: 20, maxDelayMs: 100, maxInvalidResponses: 2 } }));
    expect(await errorOf(w.waitForCompletion('same-1'))).toBeInstanceOf(InvalidResponseError);
    expect(s.hits.map((h) => h.path)).toEqual(['/api/v1/gpt4o-image/record-info', '/api/v1/gpt4o-image/record-info']);
  });
});
