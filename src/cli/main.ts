import { fileURLToPath } from 'node:url';
import { FLEET_WORKER_ENV } from './fleet/protocol.js';
import { run } from './run.js';

async function cli(): Promise<void> {
  const controller = new AbortController();
  let signals = 0;

  function onSignal(signal: NodeJS.Signals): void {
    signals += 1;
    if (signals > 1) {
      // A second Ctrl-C means "now": skip the clean close, but give the terminal its cursor back.
      if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\n');
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    controller.abort(signal);
  }

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `kie-watch ... | head` closes the pipe early: the reader has what it wanted, so the run stops quietly with
  // exit code 0 (the session maps the 'EPIPE' reason). Writes after that fail too; they are expected, not news.
  let stdoutClosed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || stdoutClosed) {
      stdoutClosed = true;
      controller.abort('EPIPE');
    } else {
      throw err;
    }
  });

  // This file is also what `demo --workers` forks for its workers: it knows where it is, wherever installed.
  const entry = fileURLToPath(import.meta.url);
  const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal, entry });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
}

if (process.env[FLEET_WORKER_ENV] === '1') {
  // Loaded only in a worker: it needs ioredis, which the rest of the CLI does without.
  const { runFleetWorker } = await import('./fleet/worker.js');
  await runFleetWorker();
} else {
  await cli();
}
