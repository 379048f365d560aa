// Process plumbing for the orchestrator: the simulator and every measured scenario run as separate
// `node` children, so each one's CPU and RSS figures are its own, and a crash in one cannot skew another.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Starts bench/sim-process.mjs and resolves once it prints its URL. */
export async function startSimProcess(config = {}) {
  const child = spawn(process.execPath, [`${BENCH_DIR}sim-process.mjs`, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => JSON.parse(line)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`simulator exited with code ${code} before listening`);
    }),
  ]);
  return {
    url: first.url,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Runs bench/scenarios/<name>.mjs with a JSON config and returns the object it prints on its last
 * `RESULT ` line. Other stdout lines are progress notes, passed through indented.
 */
export async function runScenario(name, config, { nodeArgs = [], quiet = false } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, `${BENCH_DIR}scenarios/${name}.mjs`, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
    else if (!quiet) process.stdout.write(`    ${line}\n`);
  });
  const [code] = await once(child, 'exit');
  if (code !== 0 || result === undefined) throw new Error(`scenario ${name} failed (exit code ${code})`);
  return result;
}

/** Runs `fn(sim)` against a fresh simulator process and always stops it. */
export async function withSim(config, fn) {
  const sim = await startSimProcess(config);
  try {
    return await fn(sim);
  } finally {
    await sim.stop();
  }
}
