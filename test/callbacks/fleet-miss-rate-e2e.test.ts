/**
 * The callback miss rate is the fleet's, end to end: one process waits for the tasks and polls them (its polls find
 * every end first), another process (a serverless function holding only a RedisCoordinator) receives their
 * callbacks. Real redis-server, forked processes, the simulator delivering signed callbacks over HTTP; the rate
 * judged is the one the waiting process's polling policy is given.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CALLBACK_GRACE_MS } from '../../src/engine/callback-misses.js';
import { bundle } from '../helpers/bundle.js';
import { until, useFleet } from '../fleet/helpers.js';

const HMAC_KEY = 'miss-rate-hmac-key-4c1d';
// Callbacks leave 1.5-2 s after each end: a waiter polling every 400 ms has found the end long before.
const fleet = useFleet({ simulator: { callbackHmacKey: HMAC_KEY, callbacks: { delayMs: [1_500, 2_000] } } });

let waiterScript = '';
let functionScript = '';
const procs: ChildProcess[] = [];
beforeAll(async () => {
  waiterScript = await bundle('test/callbacks/fixtures/miss-rate-waiter.ts');
  functionScript = await bundle('test/callbacks/fixtures/serverless-function.ts');
}, 60_000);
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
afterAll(() => {
  rmSync(waiterScript, { force: true });
  rmSync(functionScript, { force: true });
});

function start(script: string, env: Record<string, string>, onMessage: (m: Record<string, unknown>) => void): Promise<ChildProcess> {
  const proc = fork(script, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  procs.push(proc);
  return new Promise((resolve, reject) => {
    proc.on('message', (m: Record<string, unknown>) => {
      if (m['type'] === 'ready') resolve(proc);
      onMessage(m);
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited early (${code})`)));
  });
}

describe('the callback miss rate in a fleet, across processes', () => {
  it('an end that one process found by polling while its callback reached another process counts as delivered; only callbacks that reached no process count as missed', async () => {
    const sim = fleet.sim();
    let fnPort = 0;
    await start(functionScript, { SERVERLESS_FUNCTION: JSON.stringify({ socket: fleet.redis().socket, apiKey: 'fleet-key', hmacKey: HMAC_KEY }) }, (m) => {
      if (m['type'] === 'ready') fnPort = Number(m['port']);
    });
    const rates: { rate: number | null; at: number }[] = [];
    const settled = new Map<string, string>();
    const waiter = await start(
      waiterScript,
      { MISS_RATE_WAITER: JSON.stringify({ socket: fleet.redis().socket, simulator: sim.url, apiKey: 'fleet-key', intervalMs: 400 }) },
      (m) => {
        if (m['type'] === 'rate') rates.push({ rate: m['rate'] as number | null, at: Number(m['at']) });
        if (m['type'] === 'settled') settled.set(String(m['taskId']), String(m['outcome']));
      },
    );
    const delivered = sim.addTasks(Array.from({ length: 10 }, (_, i) => ({ durationMs: 1_000 + i * 50, outcome: 'SUCCESS' as const, callBackUrl: `http://127.0.0.1:${fnPort}/api/kie/callback` })));
    // Their callbacks go to a port nobody listens on: they reach no process of the fleet.
    const lost = sim.addTasks(Array.from({ length: 2 }, () => ({ durationMs: 1_000, outcome: 'SUCCESS' as const, callBackUrl: 'http://127.0.0.1:9/api/kie/callback' })));
    // A task that runs on, so the policy is asked (and tells the rate) after the others' grace is over.
    const probe = sim.addTasks([{ durationMs: 600_000, outcome: 'NEVER' as const }]);
    waiter.send({ cmd: 'wait', ids: [...delivered, ...lost, ...probe] });
    expect(await until(() => [...delivered, ...lost].every((id) => settled.get(id) === 'SUCCESS'), 20_000)).toBe(true);
    // Every end was found by a poll before its callback left the simulator.
    for (const id of [...delivered, ...lost]) expect(sim.taskStats(id)?.requests ?? 0, id).toBeGreaterThan(1);
    expect(await until(() => sim.callbackLog().deliveries.filter((d) => d.attempts.some((a) => a.outcome === 'delivered')).length >= delivered.length, 10_000)).toBe(true);

    // Past the grace every end is decided: 2 missed of 12 ends. Counted per process, all 12 would be misses.
    const expected = 2 / 12;
    const decided = await until(() => rates.at(-1)?.rate !== undefined && Math.abs((rates.at(-1)?.rate ?? -1) - expected) < 1e-9, CALLBACK_GRACE_MS + 10_000);
    expect(rates.at(-1)?.rate, `rates told: ${rates.map((r) => r.rate?.toFixed(3)).join(', ')}`).toBeCloseTo(expected, 9);
    expect(decided).toBe(true);
    expect(sim.stats().violations).toBe(0);
  }, 60_000);
});
