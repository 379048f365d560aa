import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { SimulatedTaskSpec, SimulatorFaults } from '../../src/simulator/index.js';

const BIN = resolve(import.meta.dirname, '../../dist/cli/main.js');

/** The simulator in a process of its own: every socket left in this process is then the watcher's. */
export interface ChildSimulator {
  readonly url: string;
  addTasks(specs: readonly SimulatedTaskSpec[]): Promise<string[]>;
  setFaults(faults: SimulatorFaults): Promise<void>;
  /** The simulator's own count for one task: requests and per-task limit violations, at its arrival times. */
  taskStats(taskId: string): Promise<{ requests: number; violations: number }>;
  close(): Promise<void>;
}

async function control(url: string, route: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}/__sim/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`simulator control ${route}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Starts `kie-watch simulate` (the built bin) on a free loopback port, with `apiKey` as its accepted key. */
export async function childSimulator(apiKey: string, faults?: SimulatorFaults): Promise<ChildSimulator> {
  const args = [BIN, 'simulate', '--port', '0', ...(faults ? ['--faults', JSON.stringify(faults)] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, KIE_SIM_API_KEY: apiKey }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => { throw new Error('simulator exited before listening'); })])) as [string];
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    addTasks: async (specs) => ((await control(url, 'tasks', { tasks: specs })) as { taskIds: string[] }).taskIds,
    setFaults: async (f) => void (await control(url, 'faults', f)),
    taskStats: async (taskId) => {
      const res = await fetch(`${url}/__sim/tasks/${encodeURIComponent(taskId)}`);
      if (!res.ok) throw new Error(`simulator control tasks/${taskId}: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as { requests: number; violations: number };
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
