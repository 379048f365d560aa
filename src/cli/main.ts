import { run } from './run.js';

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

const code = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
