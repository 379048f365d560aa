import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, TransportError, type RetryEvent } from '../../src/index.js';

// A misspelt host must not be retried as transient for minutes with the defaults; a DNS blip on a host that
// answered before must. `.invalid` never resolves (RFC 6761), so the first test asks the real resolver through
// the watcher's own pool.
const KEY = 'dns-canary-key-5be1';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('a host name that does not resolve', () => {
  it('never resolved: every wait fails within seconds with a TransportError naming the host, not the key', async () => {
    const host = 'kie-watcher-nonexistent.invalid';
    const w = new TaskWatcher({ apiKey: KEY, baseUrl: `http://${host}`, allowInsecureHttp: true });
    cleanup.push(() => w.close());
    const started = Date.now();
    const outcomes = await Promise.all(
      ['t1', 't2'].map((id) =>
        Promise.race([w.waitForCompletion(id).catch((e: unknown) => e), new Promise((r) => setTimeout(() => r('still waiting after 20 s'), 20_000).unref())]),
      ),
    );
    const elapsed = Date.now() - started;
    for (const err of outcomes) {
      expect(err).toBeInstanceOf(TransportError);
      const e = err as TransportError;
      expect(e.message).toContain(host);
      expect(e.message).toContain('ENOTFOUND');
      expect(e.message).not.toContain(KEY);
      expect((e.cause as { code?: unknown }).code).toBe('ENOTFOUND');
      expect(e.attempts).toBeLessThanOrEqual(3);
    }
    expect(elapsed).toBeLessThan(10_000);
  });

  it('resolved before and fails now (a DNS blip): retried as transient, and the wait completes once DNS is back', async () => {
    // Every answer closes its connection, so every request looks the name up again.
    let served = 0;
    const srv: Server = createServer((req, res) => {
      served += 1;
      const taskId = new URL(req.url ?? '/', 'http://x').searchParams.get('taskId');
      const done = served >= 4;
      const data = { taskId, paramJson: '{}', createTime: 1, completeTime: done ? 2 : null, successFlag: done ? 1 : 0, status: done ? 'SUCCESS' : 'GENERATING', progress: done ? '1.00' : '0.50', response: done ? { resultUrls: ['https://cdn.test/a.png'] } : null, errorCode: null, errorMessage: '' };
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ code: 200, msg: 'success', data }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => srv.close(r)));
    const { port } = srv.address() as AddressInfo;
    let lookups = 0;
    const blip = new Set([2, 3]);
    type LookupCallback = (err: Error | null, address?: string | { address: string; family: number }[], family?: number) => void;
    const lookup = (hostname: string, options: { all?: boolean }, cb: LookupCallback): void => {
      lookups += 1;
      if (blip.has(lookups)) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname, syscall: 'getaddrinfo' }));
      if (options.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    };
    const pool = new Pool(`http://blip.test:${port}`, { connections: 2, pipelining: 1, connect: { lookup } as never });
    cleanup.push(() => pool.destroy());
    const w = new TaskWatcher({ apiKey: KEY, baseUrl: `http://blip.test:${port}`, allowInsecureHttp: true, dispatcher: pool, policy: 'fastest', retry: { baseDelayMs: 100, maxDelayMs: 200 } });
    cleanup.push(() => w.close());
    const retries: RetryEvent[] = [];
    w.on('retry', (e) => retries.push(e));
    const result = await w.waitForCompletion('t1');
    expect(result.status).toBe('SUCCESS');
    expect(retries.map((r) => r.reason)).toEqual(['ENOTFOUND', 'ENOTFOUND']);
  });
});
