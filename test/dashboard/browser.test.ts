import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { RedisFleetStore } from '../../src/redis/index.js';
import { launchChromium } from './chromium.js';
import { CANARY_KEY, Fleet, listen, sleep, stop, until } from './helpers.js';

// The page as a person looks at it: headless Chromium (Debian's package) against a fleet of two watchers on a
// real redis-server and the simulator. One browser for the file: it is the slow part.

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** The page's document, as far as the tests read it (they compile without the DOM's types). */
interface PageElement {
  readonly textContent: string | null;
  readonly className: string;
  readonly naturalWidth?: number;
  getAttribute(name: string): string | null;
}
interface PageDocument {
  querySelector(s: string): PageElement | null;
  querySelectorAll(s: string): ArrayLike<PageElement>;
}
type PageGlobal = { readonly document: PageDocument };

describe('the dashboard page in headless Chromium', () => {
  let fleet: Fleet;
  let dashboard: Dashboard;
  let site: { server: Server; url: string };
  let images: { server: Server; url: string };
  let browser: { context: BrowserContext; close: () => Promise<void> };
  const longIds: string[] = [];
  const hosts = new Set<string>();
  const problems: string[] = [];

  const watch = (page: Page): Page => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => hosts.add(new URL(r.url()).hostname));
    return page;
  };
  // Page-side functions are serialized and run in the page, so they name its document themselves; a string
  // expression would be `eval`, which the page's CSP refuses.
  const pendingIs = (n: number) => [(text: string) => (globalThis as unknown as PageGlobal).document.querySelector('[data-metric="pending"]')?.textContent === text, n.toLocaleString('en-US')] as const;
  const pendingOnPage = async (page: Page): Promise<number> => Number(((await page.textContent('[data-metric="pending"]')) ?? '').replace(/,/g, ''));

  beforeAll(async () => {
    [fleet, browser] = await Promise.all([Fleet.start({ processes: 2 }), launchChromium()]);
    images = await listen((_, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(PNG));
    for (let i = 0; i < 25; i++) longIds.push(fleet.sim.addTask({ durationMs: 600_000, outcome: 'NEVER' }));
    for (const id of longIds) void fleet.wait(id);
    dashboard = createDashboard({ redis: fleet.redis.client(), prefix: fleet.prefix });
    site = await listen(dashboard.node);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stop(site.server);
    await stop(images.server);
    await dashboard.close();
    await fleet.close();
  });

  it('shows the fleet pending count, a finished task within 3 s, and finds a task; no console error, no other host', async () => {
    const page = watch(await browser.context.newPage());
    await page.goto(site.url);
    // The fleet's own count: the pending set `resume()` lists.
    const account = `k${createHash('sha256').update(CANARY_KEY).digest('hex').slice(0, 12)}`;
    const store = new RedisFleetStore({ redis: fleet.redis.client(), prefix: fleet.prefix, account });
    const listed = async (): Promise<number> => (await store.listPending()).length;
    await page.waitForFunction(...pendingIs(longIds.length), { timeout: 10_000 });
    expect(await pendingOnPage(page)).toBe(await listed());

    // A task finishes: from the moment the fleet settled it, the page shows it within 3 s.
    const id = fleet.sim.addTask({ durationMs: 1500, outcome: 'SUCCESS', resultUrls: [`${images.url}result.png`] });
    const result = fleet.wait(id);
    await page.waitForFunction(...pendingIs(longIds.length + 1), { timeout: 10_000 });
    await result;
    const settledAt = Date.now();
    await page.waitForSelector(`[data-result="${id}"] img`, { timeout: 3000 });
    await page.waitForFunction(...pendingIs(longIds.length), { timeout: 3000 });
    expect(Date.now() - settledAt).toBeLessThan(3000);
    expect(await pendingOnPage(page)).toBe(await listed());
    // The thumbnail came from the result URL, after the page loaded.
    await page.waitForFunction((sel) => ((globalThis as unknown as PageGlobal).document.querySelector(sel)?.naturalWidth ?? 0) > 0, `[data-result="${id}"] img`, { timeout: 3000 });

    // A result's card holds its taskId (cut short, whole in its title) instead of spilling it over the next card.
    const spills = await page.$$eval('[data-result]', (cards) => cards.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.getAttribute('data-result')));
    expect(spills).toEqual([]);

    // The search finds a task by a part of its id.
    const wanted = longIds[17] ?? '';
    await page.fill('[data-search]', wanted.slice(-10));
    await page.waitForFunction(
      (w) => {
        const rows = (globalThis as unknown as PageGlobal).document.querySelectorAll('[data-tasks] tr[data-task-id]');
        return rows.length === 1 && rows[0]?.getAttribute('data-task-id') === w;
      },
      wanted,
      { timeout: 3000 },
    );
    const rows = await page.$$eval('[data-tasks] tr[data-task-id]', (trs) => trs.map((tr) => tr.getAttribute('data-task-id')));
    expect(rows).toEqual([wanted]);
    await page.fill('[data-search]', '');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobal).document.querySelectorAll('[data-tasks] tr[data-task-id]').length > 1, undefined, { timeout: 3000 });

    await store.close();
    await page.close();
    expect(problems).toEqual([]);
    expect([...hosts]).toEqual(['127.0.0.1']);
  });

  it('five open tabs cost one Redis reader: the source is read about once a second, not five times', async () => {
    const pages = await Promise.all([0, 1, 2, 3, 4].map(async () => watch(await browser.context.newPage())));
    await Promise.all(pages.map((p) => p.goto(site.url)));
    await Promise.all(pages.map((p) => p.waitForFunction(() => (globalThis as unknown as PageGlobal).document.querySelector('#status')?.className === 'live', undefined, { timeout: 10_000 })));
    // The first test's tab has gone: its stream closes as its socket does.
    await until(() => dashboard.tabs, (n) => n === 5, 5000);
    const before = dashboard.reads;
    await sleep(3000);
    const reads = dashboard.reads - before;
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(4);
    await Promise.all(pages.map((p) => p.close()));
    expect(problems).toEqual([]);
  });
});
