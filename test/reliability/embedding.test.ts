import { afterEach, describe, expect, it } from 'vitest';
import { TaskWatcher, type TaskWatcherOptions } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { childSimulator } from '../helpers/child-simulator.js';
import { extraResources, resourceCounts, sendJson, sleep, successBody, testServer } from './helpers.js';

// What a worker process that embeds the watcher observes: its own logger, the order of events, what is left
// once close() resolves, and how many connections sequential work costs.

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function sim(): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: 'k' });
  open.push(s);
  return s;
}

function watcher(url: string, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
  const w = new TaskWatcher({ apiKey: 'k', baseUrl: url, policy: 'fastest', ...extra });
  open.push(w);
  return w;
}

describe('a logger that is not pino', () => {
  it('a console-shaped object (debug/info/warn/error) is accepted and tasks complete', async () => {
    const s = await sim();
    const [id] = s.addTasks([{ durationMs: 300, outcome: 'SUCCESS' }]);
    const lines: unknown[][] = [];
    const logger = {
      debug: (...a: unknown[]) => lines.push(a),
      info: (...a: unknown[]) => lines.push(a),
      warn: (...a: unknown[]) => lines.push(a),
      error: (...a: unknown[]) => lines.push(a),
    };
    const w = watcher(s.url, { logger: logger as never });
    await expect(w.waitForCompletion(id as string, { timeoutMs: 10_000 })).resolves.toMatchObject({ status: 'SUCCESS' });
  });

  it('an object missing a method is refused at construction, naming what is missing', () => {
    expect(() => new TaskWatcher({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1', logger: { info() {}, error() {} } as never })).toThrow(/logger.*debug.*warn/);
  });
});

describe('event order', () => {
  it('idle comes after the last completed and failed events, as p-queue users expect', async () => {
    const s = await sim();
    const ids = s.addTasks([
      { durationMs: 200, outcome: 'SUCCESS' },
      { durationMs: 400, outcome: 'GENERATE_FAILED' },
    ]);
    const w = watcher(s.url);
    const order: string[] = [];
    w.on('completed', () => order.push('completed'));
    w.on('failed', () => order.push('failed'));
    w.on('idle', () => order.push('idle'));
    for (const id of ids) w.watch(id);
    await w.onIdle();
    await sleep(10);
    expect(order).toEqual(['completed', 'failed', 'idle']);
  });
});

describe('close()', () => {
  // The simulator runs in a child process, so every socket in this process is the watcher's (or vitest's,
  // which the baseline holds): the check is exact, and made at once, not polled until it holds.
  it('when it resolves, no socket or timer of the watcher is left: checked at once, with requests in flight', async () => {
    const s = await childSimulator('k', { slow: 0.5, slowMs: 3_000 });
    open.push(s);
    const ids = await s.addTasks(Array.from({ length: 24 }, () => ({ durationMs: 60_000, outcome: 'SUCCESS' as const })));
    const baseline = resourceCounts();
    const w = watcher(s.url);
    const waits = ids.map((id) => w.waitForCompletion(id).catch(() => undefined));
    await sleep(600);
    expect(w.stats().inFlight).toBeGreaterThan(0);
    expect(extraResources(baseline).join()).toMatch(/TCPSocketWrap/);
    await w.close();
    expect(extraResources(baseline)).toEqual([]);
    await Promise.all(waits);
  });

  it('also after the watcher went idle and came back, with its pool kept warm in between', async () => {
    const s = await childSimulator('k');
    open.push(s);
    const baseline = resourceCounts();
    const w = watcher(s.url);
    for (let i = 0; i < 3; i++) {
      const [id] = await s.addTasks([{ durationMs: 100, outcome: 'SUCCESS' }]);
      await w.waitForCompletion(id as string);
      await w.onIdle();
    }
    expect(extraResources(baseline).join()).toMatch(/TCPSocketWrap/);
    await w.close();
    expect(extraResources(baseline)).toEqual([]);
  });
});

describe('the connection pool stays warm between tasks', () => {
  it('sequential waits reuse one connection instead of opening one per task', async () => {
    const server = await testServer(({ taskId, res }) => sendJson(res, successBody(taskId)));
    open.push(server);
    let connections = 0;
    const counted = new Set<unknown>();
    const w = watcher(server.url);
    for (let i = 0; i < 5; i++) {
      await w.waitForCompletion(`seq-${i}`);
      for (const s of server.sockets) {
        if (!counted.has(s)) {
          counted.add(s);
          connections += 1;
        }
      }
      await sleep(20);
    }
    expect(connections).toBe(1);
  });

  it('an idle watcher with a warm pool does not keep the process alive', async () => {
    const { execFileSync } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const root = resolve(import.meta.dirname, '../..');
    const code = `
      import { TaskWatcher } from ${JSON.stringify(resolve(root, 'dist/index.js'))};
      import { startSimulator } from ${JSON.stringify(resolve(root, 'dist/simulator/index.js'))};
      const sim = await startSimulator({ apiKey: 'k' });
      const [id] = sim.addTasks([{ durationMs: 100, outcome: 'SUCCESS' }]);
      const w = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url });
      await w.waitForCompletion(id);
      // The simulator's own server keeps a process alive; close it, leave the watcher idle, and see if we exit.
      await sim.close();
      const t0 = Date.now();
      process.on('exit', () => console.log(JSON.stringify({ exitedAfterMs: Date.now() - t0 })));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 15_000 });
    expect(JSON.parse(out.trim()).exitedAfterMs).toBeLessThan(1_000);
  });
});
