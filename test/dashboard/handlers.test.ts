import type { Server } from 'node:http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard, type DashboardSummary } from '../../src/dashboard/index.js';
import { TaskWatcher } from '../../src/index.js';
import { RedisFleetStore } from '../../src/redis/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { CANARY_KEY, Fleet, listen, sleep, stop, until } from './helpers.js';

const TOKEN = 'a-dashboard-token-0123456789abcdef';

const serve = (d: Dashboard): Promise<{ server: Server; url: string }> => listen(d.node);

/** Reads Server-Sent Event frames from a streaming response until `n` data frames arrived. */
async function frames(res: Response, n: number, timeoutMs = 8000): Promise<DashboardSummary[]> {
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const out: DashboardSummary[] = [];
  let buf = '';
  const end = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < end) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = frame.split('\n').find((l) => l.startsWith('data: '));
      if (data !== undefined) out.push(JSON.parse(data.slice(6)) as DashboardSummary);
    }
  }
  await reader.cancel();
  return out;
}

describe('the dashboard of a fleet on Redis', () => {
  let fleet: Fleet;
  let dashboard: Dashboard;
  let http: { server: Server; url: string };
  const longIds: string[] = [];

  beforeAll(async () => {
    fleet = await Fleet.start({ processes: 2 });
    for (let i = 0; i < 12; i++) longIds.push(fleet.sim.addTask({ durationMs: 600_000, outcome: 'NEVER' }));
    for (const id of longIds) void fleet.wait(id);
    dashboard = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix });
    http = await serve(dashboard);
  });
  afterAll(async () => {
    await stop(http.server);
    await dashboard.close();
    await fleet.close();
  });

  it('counts the pending tasks of every account under the prefix, as the fleet lists them', async () => {
    // A second account (another API key) on the same prefix, registered straight through the store.
    const other = new RedisFleetStore({ redis: fleet.redis.client(), prefix: fleet.prefix, account: 'kother0000001' });
    await other.register([0, 1, 2].map((i) => ({ key: { family: 'suno', taskId: `other-${i}` }, timeoutMs: 600_000, delayMs: 600_000 })));
    // The fleet's own listing of the pending set, as `resume()` reads it.
    const listed = (await new RedisFleetStore({ redis: fleet.redis.client(), prefix: fleet.prefix, account: 'kother0000001' }).listPending()).length;
    expect(listed).toBe(3);
    const s = await until(
      async () => (await (await fetch(`${http.url}api/summary`)).json()) as DashboardSummary,
      (v) => v.pending === longIds.length + 3,
    );
    expect(s.accounts.map((a) => a.pending).sort((a, b) => a - b)).toEqual([3, longIds.length]);
    expect(s.breakdown?.counts['suno']).toEqual({ new: 3 });
    await other.close();
  });

  it('follows the fleet: a task that finishes leaves the pending count and shows in the results within 3 s', async () => {
    const id = fleet.sim.addTask({ durationMs: 1500, outcome: 'SUCCESS', resultUrls: ['http://127.0.0.1:9/x.png'] });
    const before = (await dashboard.summary()).pending;
    const settled = fleet.wait(id);
    await until(() => dashboard.summary(), (s) => s.pending === before + 1 || s.tasks.some((t) => t.taskId === id), 5000);
    await settled;
    const at = Date.now();
    const s = await until(() => dashboard.summary(), (v) => v.recent.some((r) => r.taskId === id), 3000);
    expect(Date.now() - at).toBeLessThan(3000);
    expect(s.pending).toBe(before);
    expect(s.recent.find((r) => r.taskId === id)).toMatchObject({ outcome: 'completed', family: 'gpt4o-image', resultUrls: ['http://127.0.0.1:9/x.png'] });
  });

  it('answers the same through the Node handler and a Fetch handler mounted in a Hono app', async () => {
    const app = new Hono();
    app.all('/*', (c) => dashboard.fetch(c.req.raw));
    const viaFetch = (await (await app.request('http://localhost/api/summary')).json()) as DashboardSummary;
    const mounted = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix, basePath: '/fleet' });
    const hono = new Hono();
    hono.all('/fleet/*', (c) => mounted.fetch(c.req.raw));
    hono.all('/fleet', (c) => mounted.fetch(c.req.raw));
    const viaNode = (await (await fetch(`${http.url}api/summary`)).json()) as DashboardSummary;
    const viaMounted = (await (await hono.request('http://localhost/fleet/api/summary')).json()) as DashboardSummary;
    expect(viaMounted.pending).toBe(viaNode.pending);
    expect(Object.keys(viaFetch).sort()).toEqual(Object.keys(viaNode).sort());
    const page = await hono.request('http://localhost/fleet');
    expect(page.status).toBe(200);
    const html = await page.text();
    // The page's own requests go under the mount path.
    expect(html).toContain('data-base="/fleet/"');
    await mounted.close();
  });

  it('serves one self-contained page under a strict Content-Security-Policy', async () => {
    const res = await fetch(http.url);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe');
    const html = await res.text();
    expect(html).toContain('data-metric="pending"');
    // Nothing loaded from elsewhere: no src or href to another origin, no @import or url() in the style.
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it('five open tabs share one reader: the source is read once per refresh, not once per tab', async () => {
    const d = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix, refreshMs: 500 });
    const h = await serve(d);
    const tabs = await Promise.all([0, 1, 2, 3, 4].map(() => fetch(`${h.url}api/events`)));
    expect(tabs.every((t) => t.headers.get('content-type')?.startsWith('text/event-stream'))).toBe(true);
    const start = d.reads;
    const got = await Promise.all(tabs.map((t) => frames(t, 4)));
    const reads = d.reads - start;
    for (const g of got) expect(g.length).toBe(4);
    // Four frames per tab at one read per 500 ms: about four reads in all (five or more would be a read per tab).
    expect(reads).toBeLessThanOrEqual(6);
    expect(reads).toBeGreaterThanOrEqual(3);
    await sleep(100);
    expect(d.tabs).toBe(0);
    await stop(h.server);
    await d.close();
  });

  it('shows neither the API key nor anything that could change the fleet, and refuses every method but GET', async () => {
    const bodies = [await (await fetch(http.url)).text(), await (await fetch(`${http.url}api/summary`)).text(), await (await fetch(`${http.url}api/tasks?q=sim`)).text()];
    for (const b of bodies) expect(b).not.toContain(CANARY_KEY);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${http.url}api/summary`, { method });
      expect(res.status).toBe(405);
    }
    expect(bodies[0]).not.toMatch(/<form|<button|method=/i);
  });

  it('reads the fleet as a Redis user that may not write anything', async () => {
    const admin = fleet.redis.client();
    await admin.call('ACL', 'SETUSER', 'viewer', 'on', '>viewer-pass-123456', '~*', '&*', '+@read', '+@connection', '+evalsha', '+eval', '+time', '+scan', '+info');
    const { Redis } = await import('ioredis');
    const viewer = new Redis({ path: fleet.redis.socket, username: 'viewer', password: 'viewer-pass-123456' });
    const d = createDashboard({ redis: viewer, prefix: fleet.prefix });
    const s = await d.summary();
    expect(s.pending).toBeGreaterThanOrEqual(longIds.length);
    expect((await d.fetch(new Request(`http://localhost/api/tasks?q=${longIds[0] ?? ''}`))).status).toBe(200);
    await expect(viewer.set(`${fleet.prefix}:x`, '1')).rejects.toThrow(/NOPERM/);
    await d.close();
    viewer.disconnect();
  });

  it('finds a task by its id, pending or settled, exactly or by a part of it', async () => {
    const id = longIds[3] ?? '';
    const exact = (await (await fetch(`${http.url}api/tasks?q=${id}`)).json()) as { tasks: { taskId: string; state: string }[] };
    expect(exact.tasks[0]?.taskId).toBe(id);
    const part = (await (await fetch(`${http.url}api/tasks?q=${id.slice(-8)}`)).json()) as { tasks: { taskId: string }[] };
    expect(part.tasks.map((t) => t.taskId)).toContain(id);
    expect((await fetch(`${http.url}api/tasks?q=${encodeURIComponent('*')}`)).status).toBe(400);
  });
});

describe('what the fleet publishes for its dashboard (a heartbeat per process)', () => {
  it('processes, polls, 429s and settled counts match what the simulator saw and how each task ended', async () => {
    const fleet = await Fleet.start({ processes: 2 });
    const d = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix });
    try {
      fleet.sim.setFaults({ body429: 0.25 });
      const ok = [0, 1, 2].map(() => fleet.sim.addTask({ durationMs: 2500, outcome: 'SUCCESS' }));
      const bad = [0, 1].map(() => fleet.sim.addTask({ durationMs: 2500, outcome: 'GENERATE_FAILED' }));
      const late = fleet.sim.addTask({ durationMs: 600_000, outcome: 'NEVER' });
      const waits = [...ok, ...bad].map((id) => fleet.wait(id));
      const lateWait = fleet.watchers[1]?.waitForCompletion(late, { timeoutMs: 2000 }).catch((e: unknown) => e);
      const live = await until(() => d.summary(), (v) => v.processes.filter((p) => p.alive).length === 2 && v.pending > 0);
      expect(live.processes.every((p) => p.capacity !== null && p.capacity > 0)).toBe(true);
      await Promise.all([...waits, lateWait]);
      fleet.sim.setFaults({});
      // The dropped task leaves the pending set at its next claim; then every count settles.
      const sim = (): ReturnType<typeof fleet.sim.stats> => fleet.sim.stats();
      const s = await until(
        () => d.summary(),
        (v) =>
          v.pending === 0 &&
          // Polls and ends reach the buckets by heartbeats (one a second): a heartbeat may carry a task's last poll
          // and the next one its end.
          v.settled.completed + v.settled.failed + v.settled.timeout === 6 &&
          v.processes.reduce((n, p) => n + (p.polls ?? 0), 0) === sim().requests &&
          v.rateLimited === sim().faultsInjected,
        10_000,
      );
      expect(s.settled).toEqual({ completed: 3, failed: 2, timeout: 1 });
      expect(sim().faultsInjected).toBeGreaterThan(0);
      expect(s.rateLimited15m).toBe(sim().faultsInjected);
      expect(s.inFlight).toBe(0);
      expect(s.series.polls.some((p) => p > 0)).toBe(true);
      expect(s.pollsPerSecond).toBeGreaterThan(0);
      expect(s.recent.filter((r) => r.outcome === 'failed').map((r) => r.errorCode)).toEqual(['KIE_TASK_FAILED', 'KIE_TASK_FAILED']);
    } finally {
      await d.close();
      await fleet.close();
    }
  });

  it('after the fleet is gone (every process closed, nothing pending) a dashboard opened later still shows the last hour: every end counted, the recent results', async () => {
    const fleet = await Fleet.start({ processes: 2 });
    try {
      const ok = [0, 1].map(() => fleet.sim.addTask({ durationMs: 300, outcome: 'SUCCESS' }));
      const bad = fleet.sim.addTask({ durationMs: 300, outcome: 'GENERATE_FAILED' });
      await Promise.all([...ok, bad].map((id) => fleet.wait(id)));
      // Closed at once: the last ends were counted after the last heartbeat, and must not be lost with the process.
      await Promise.all(fleet.watchers.map((w) => w.close()));
      const d = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix });
      try {
        const s = await d.summary();
        expect(s.processes).toEqual([]);
        expect(s.pending).toBe(0);
        expect(s.settled).toEqual({ completed: 2, failed: 1, timeout: 0 });
        expect(s.recent.map((r) => r.taskId).sort()).toEqual([...ok, bad].sort());
      } finally {
        await d.close();
      }
    } finally {
      await fleet.close();
    }
  });

  it('a process that closes leaves the list at once', async () => {
    const fleet = await Fleet.start({ processes: 2 });
    const d = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix });
    try {
      const id = fleet.sim.addTask({ durationMs: 600_000, outcome: 'NEVER' });
      void fleet.wait(id);
      void fleet.watchers[1]?.waitForCompletion(id).catch(() => undefined);
      await until(() => d.summary(), (v) => v.processes.length === 2);
      await fleet.watchers[1]?.close();
      const s = await until(() => d.summary(), (v) => v.processes.length === 1, 5000);
      expect(s.processes[0]?.alive).toBe(true);
    } finally {
      await d.close();
      await fleet.close();
    }
  });
});

describe('a dashboard with a token', () => {
  let fleet: Fleet;
  let dashboard: Dashboard;
  let http: { server: Server; url: string };
  beforeAll(async () => {
    fleet = await Fleet.start({ processes: 1 });
    dashboard = createDashboard({ redis: fleet.redis.client(), token: TOKEN });
    http = await serve(dashboard);
  });
  afterAll(async () => {
    await stop(http.server);
    await dashboard.close();
    await fleet.close();
  });

  it('answers 401 without it, and everything with the token in a header', async () => {
    for (const path of ['', 'api/summary', 'api/events', 'api/tasks?q=abc']) expect((await fetch(`${http.url}${path}`)).status).toBe(401);
    expect((await fetch(`${http.url}api/summary`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    expect((await fetch(`${http.url}api/summary`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${http.url}api/summary`, { headers: { 'x-dashboard-token': TOKEN } })).status).toBe(200);
  });

  it('a one-time link sets a session cookie once; the link does not open the page a second time', async () => {
    const link = `${http.url}${dashboard.link()}`;
    const first = await fetch(link);
    expect(first.status).toBe(200);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(cookie).toMatch(/^kie_dashboard=.{20,}/);
    expect((await fetch(link)).status).toBe(401);
    expect((await fetch(`${http.url}api/summary`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${http.url}api/summary`, { headers: { cookie: 'kie_dashboard=forged' } })).status).toBe(401);
  });

  it('refuses a token shorter than 16 characters', () => {
    expect(() => createDashboard({ redis: fleet.redis.client(), token: 'short' })).toThrow(TypeError);
  });
});

describe('the dashboard of one watcher, without Redis', () => {
  it('shows its pending count, and a finished task in the results', async () => {
    const sim = await startSimulator({ apiKey: CANARY_KEY });
    const w = new TaskWatcher({ apiKey: CANARY_KEY, baseUrl: sim.url, policy: { intervalMs: 500 } });
    const d = createDashboard({ watcher: w });
    const never = [0, 1, 2].map(() => sim.addTask({ durationMs: 600_000, outcome: 'NEVER' }));
    for (const id of never) w.watch(id);
    const quick = sim.addTask({ durationMs: 300, outcome: 'SUCCESS' });
    await w.waitForCompletion(quick);
    const s = await until(() => d.summary(), (v) => v.recent.some((r) => r.taskId === quick), 3000);
    expect(s.source).toBe('watcher');
    expect(s.pending).toBe(3);
    expect(s.settled.completed).toBe(1);
    expect(s.pollsPerSecond).toBeGreaterThanOrEqual(0);
    const page = await d.fetch(new Request('http://localhost/'));
    expect(await page.text()).toContain('data-metric="pending"');
    await d.close();
    await w.close();
    await sim.close();
  });
});
