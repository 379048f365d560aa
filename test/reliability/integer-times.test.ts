import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPendingTaskStore, TaskWatcher } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';

// Times a user reads (events, close()'s pending list, a store's entries) are whole milliseconds: a watcher on
// the system clock reads performance.now(), whose fractions must not leak into them.
describe('public times are integers', () => {
  let sim: KieSimulator | undefined;
  let watcher: TaskWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
    await sim?.close();
  });

  it('delayMs of retry and rateLimited events, and watchedAt in close() and in the store', async () => {
    sim = await startSimulator({ apiKey: 'k', faults: { http5xx: 0.5, body429: 0.3 } });
    const [id] = sim.addTasks([{ durationMs: 60_000, outcome: 'SUCCESS' }]);
    if (id === undefined) throw new Error('no task');
    const store = new MemoryPendingTaskStore();
    watcher = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url, store, policy: 'fastest', retry: { baseDelayMs: 10, maxDelayMs: 50 } });
    const delays: number[] = [];
    watcher.on('retry', (e) => delays.push(e.delayMs));
    watcher.on('rateLimited', (e) => delays.push(e.delayMs));
    void watcher.waitForCompletion(id).catch(() => undefined);
    const until = Date.now() + 10_000;
    while (delays.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(delays.length).toBeGreaterThanOrEqual(4);
    for (const d of delays) expect(Number.isInteger(d), `delayMs ${d}`).toBe(true);
    const stored = [...store.list()];
    expect(stored).toHaveLength(1);
    expect(Number.isInteger(stored[0]?.watchedAt)).toBe(true);
    const result = await watcher.close();
    expect(result.pending).toHaveLength(1);
    for (const p of result.pending) expect(Number.isInteger(p.watchedAt), `watchedAt ${p.watchedAt}`).toBe(true);
  });
});
