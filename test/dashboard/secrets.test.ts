import { describe, expect, it } from 'vitest';
import { createCallbackHandler } from '../../src/callbacks/index.js';
import { createDashboard } from '../../src/dashboard/index.js';
import { TaskWatcher } from '../../src/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { CANARY_KEY, listen, stop } from './helpers.js';

// The API key and the webhook HMAC key in use, with signed callbacks delivered to a callback URL that carries a
// secret of its own: none of them may reach anything the dashboard answers.

const HMAC_CANARY = 'dash-hmac-canary-0c4e9b27a61f58d3';
const URL_SECRET = 'dash-url-secret-93be7d1c04a5f628';

describe('the dashboard of a watcher that receives signed callbacks', () => {
  it('answers nothing that contains the API key, the webhook HMAC key or the callback URL secret', async () => {
    const sim = await startSimulator({ apiKey: CANARY_KEY, callbacks: { hmacKey: HMAC_CANARY } });
    const watcher = new TaskWatcher({ apiKey: CANARY_KEY, baseUrl: sim.url, policy: { intervalMs: 400 } });
    watcher.on('error', () => undefined);
    const callbacks = await listen(createCallbackHandler(watcher, { hmacKey: HMAC_CANARY }));
    const dashboard = createDashboard({ watcher });
    const site = await listen(dashboard.node);
    try {
      const callBackUrl = `${callbacks.url}kie?token=${URL_SECRET}`;
      const ok = sim.addTask({ durationMs: 300, outcome: 'SUCCESS', callBackUrl });
      const bad = sim.addTask({ durationMs: 300, outcome: 'GENERATE_FAILED', callBackUrl });
      const open = sim.addTask({ durationMs: 600_000, outcome: 'NEVER', callBackUrl });
      const waits = [ok, bad].map((id) => watcher.waitForCompletion(id, { expectCallback: true }).catch((e: unknown) => e));
      void watcher.waitForCompletion(open, { expectCallback: true, timeoutMs: 60_000 }).catch(() => undefined);
      await Promise.all(waits);
      expect(sim.callbackLog().stats.delivered).toBeGreaterThanOrEqual(2);
      const summary = await dashboard.summary();
      expect(summary.recent.map((r) => r.taskId).sort()).toEqual([ok, bad].sort());
      const events = await new Promise<string>((resolve, reject) => {
        const ac = new AbortController();
        fetch(`${site.url}api/events`, { signal: ac.signal }).then(async (res) => {
          const reader = res.body?.getReader();
          let text = '';
          while (reader && !text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
          ac.abort();
          resolve(text);
        }, reject);
      });
      const bodies = [
        await (await fetch(site.url)).text(),
        await (await fetch(`${site.url}api/summary`)).text(),
        await (await fetch(`${site.url}api/tasks?q=sim`)).text(),
        await (await fetch(`${site.url}api/tasks?q=${ok}`)).text(),
        events,
      ];
      expect(bodies[1]).toContain(ok);
      for (const b of bodies) {
        expect(b).not.toContain(CANARY_KEY);
        expect(b).not.toContain(HMAC_CANARY);
        expect(b).not.toContain(URL_SECRET);
      }
    } finally {
      await stop(site.server);
      await dashboard.close();
      await watcher.close();
      await stop(callbacks.server);
      await sim.close();
    }
  });
});
