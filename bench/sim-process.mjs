// Runs one KIE simulator in its own process, so that the watcher under test never shares an event loop
// (or a CPU time account) with the server it polls.
//
// usage: node bench/sim-process.mjs '{"timeScale":20,"t0":1732190000000}'
// Prints one JSON line {"url": ...} once listening, then serves until SIGTERM/SIGINT.
import { startSimulator } from '../dist/simulator/index.js';
import { scaledEpoch } from './lib/clock.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const timeScale = config.timeScale ?? 1;
const t0 = config.t0 ?? 0;

// Time compression: the simulator's clock runs `timeScale` times faster than the wall clock, from a
// common origin t0 shared with the watcher process (see bench/lib/clock.mjs, same formula), so task
// durations, progress steps and the per-task rate window all live in "provider time".
const now = timeScale === 1 ? Date.now : scaledEpoch(t0, timeScale);

// `options`: any other simulator option (the create scenario's creation window, task durations).
const sim = await startSimulator({ port: 0, host: '127.0.0.1', seed: config.seed ?? 1, now, ...(config.options ?? {}) });
process.stdout.write(`${JSON.stringify({ url: sim.url, pid: process.pid })}\n`);

const stop = () => {
  sim.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
