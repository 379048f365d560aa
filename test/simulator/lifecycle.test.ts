import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { KieSimulator, startSimulator } from '../../src/simulator/index.js';
import { call, recordUrl, tcpHandles } from './helpers.js';

async function settle(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(10);
}

describe('simulator lifecycle', () => {
  it('listens on 127.0.0.1 with a random port by default and exposes its url', async () => {
    const sim = await startSimulator();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(sim.listen()).rejects.toThrow(/already listening/);
    await sim.close();
    expect(() => sim.url).toThrow(/not listening/);
    await sim.close();
  });

  it('close() destroys keep-alive and in-flight sockets and leaves no handles behind', async () => {
    const before = tcpHandles();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const sim = new KieSimulator({ perTaskLimit: 100 });
    const url = await sim.listen();
    expect(url).toBe(sim.url);
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    // A client agent that would keep its idle connections for a minute.
    const agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, connections: 4 });
    try {
      for (let i = 0; i < 3; i++) expect((await call(recordUrl(sim, taskId), { dispatcher: agent })).status).toBe(200);
      sim.setFaults({ slow: 1, slowMs: 60_000 });
      const inFlight = call(recordUrl(sim, taskId), { dispatcher: agent });
      inFlight.catch(() => undefined);
      await settle(() => sim.stats().faultsInjected === 1);
      expect(tcpHandles().socket).toBeGreaterThan(before.socket);

      const closing = performance.now();
      await sim.close();
      expect(performance.now() - closing).toBeLessThan(1_000);
      expect(tcpHandles().server).toBeLessThanOrEqual(before.server);
      await expect(inFlight).rejects.toThrow();

      // Only the client's half of each connection may linger, until it reads the FIN.

      await settle(() => {
        const now = tcpHandles();
        return now.server <= before.server && now.socket <= before.socket;
      });
      expect(tcpHandles().server).toBeLessThanOrEqual(before.server);
      expect(tcpHandles().socket).toBeLessThanOrEqual(before.socket);
      // The 60 s slow-fault timer must be gone, not merely unref'd.
      const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      expect(timersAfter).toBeLessThanOrEqual(timersBefore + 1);
    } finally {
      await agent.close();
    }
  });

  it('can listen again after close and keeps its tasks', async () => {
    const sim = await startSimulator({ port: 0, host: '127.0.0.1' });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    await sim.close();
    await sim.listen();
    expect(JSON.parse((await call(recordUrl(sim, taskId))).text)).toMatchObject({ code: 200 });
    await sim.close();
  });

  it('holds 100,000 tasks cheaply and answers any of them', async () => {
    const sim = await startSimulator();
    try {
      const started = performance.now();
      const ids = sim.addTasks(Array.from({ length: 100_000 }, (_, i) => ({ durationMs: i, outcome: 'SUCCESS' as const })));
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(sim.stats().tasks).toBe(100_000);
      const last = ids.at(-1) ?? '';
      expect(JSON.parse((await call(recordUrl(sim, last))).text)).toMatchObject({ code: 200, data: { taskId: last } });
    } finally {
      await sim.close();
    }
  });

  it('logs through an injected pino-compatible logger', async () => {
    const lines: string[] = [];
    const logger = { debug: (_o: object, msg?: string) => lines.push(`debug ${msg ?? ''}`), info: (_o: object, msg?: string) => lines.push(`info ${msg ?? ''}`) };
    const sim = await startSimulator({ logger, faults: { body500: 1 } });
    const taskId = sim.addTask({ durationMs: 0, outcome: 'SUCCESS' });
    await call(recordUrl(sim, taskId));
    await sim.close();
    expect(lines).toEqual(['info kie simulator listening', 'debug fault injected', 'info kie simulator closed']);
  });
});
