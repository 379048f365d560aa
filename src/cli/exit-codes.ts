/** The exit codes the commands use; every `return` in the CLI names one of these. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** `demo --workers`: what the fleet needs (a Redis, ioredis) is not there; the message says how to get it. */
  needsRedis: 3,
  /** `generate`: the create was sent but no answer says whether the task exists (it may be billed). */
  unknownOutcome: 4,
  interrupted: 130,
  terminated: 143,
} as const;

/** The commands that have exit codes of their own (`help` and `--version` always exit 0). */
export type CommandName = 'watch' | 'generate' | 'download' | 'credits' | 'demo' | 'simulate' | 'dashboard';

/** One row of a command's exit-code table. */
export interface ExitCodeRow {
  readonly code: number;
  readonly meaning: string;
}

const CLOSED_STDOUT = 'or the reader closed stdout early (kie-watch ... | head)';
const SIGINT = 'interrupted by SIGINT (Ctrl-C); the watcher is closed cleanly and a summary is printed first';
const SIGTERM = 'stopped by SIGTERM; the watcher is closed cleanly and a summary is printed first';

/**
 * The one statement of what each command's exit codes mean. The help screens are rendered from it, and a test
 * holds docs/cli.md's table to it, so the three can never disagree.
 */
export const EXIT_CODES: Readonly<Record<CommandName, readonly ExitCodeRow[]>> = {
  watch: [
    { code: EXIT.ok, meaning: `every task succeeded, ${CLOSED_STDOUT}` },
    { code: EXIT.failed, meaning: 'some task failed or timed out' },
    {
      code: EXIT.usage,
      meaning: 'usage error (unknown option, bad value, no key, --api-key given), or a fatal API error: 401 bad key, 402 no credits, HTTP 401/403',
    },
    { code: EXIT.interrupted, meaning: SIGINT },
    { code: EXIT.terminated, meaning: SIGTERM },
  ],
  generate: [
    { code: EXIT.ok, meaning: `the task succeeded and its files are saved (their paths are printed last), ${CLOSED_STDOUT}` },
    { code: EXIT.failed, meaning: 'the task failed or timed out, or a file could not be saved' },
    {
      code: EXIT.usage,
      meaning: 'usage error (unknown option, bad value, an input the family refuses, no key), or the API refused the create or the key: 401 bad key, 402 no credits, 422 bad input, HTTP 401/403',
    },
    {
      code: EXIT.unknownOutcome,
      meaning: 'the create was sent but its outcome is unknown (no answer, or a server error after sending): the task may exist and be billed; the submit key and send time are printed, check for the task before running generate again',
    },
    { code: EXIT.interrupted, meaning: SIGINT },
    { code: EXIT.terminated, meaning: SIGTERM },
  ],
  download: [
    { code: EXIT.ok, meaning: `every task succeeded and its files are saved (their paths are printed last), ${CLOSED_STDOUT}` },
    { code: EXIT.failed, meaning: 'some task failed or timed out, or a file could not be saved' },
    { code: EXIT.usage, meaning: 'usage error (unknown option, bad value, no key), or a fatal API error: 401 bad key, 402 no credits, HTTP 401/403' },
    { code: EXIT.interrupted, meaning: SIGINT },
    { code: EXIT.terminated, meaning: SIGTERM },
  ],
  credits: [
    { code: EXIT.ok, meaning: 'the balance is printed' },
    { code: EXIT.failed, meaning: 'the balance could not be read (the API unreachable, or an answer that is not a balance)' },
    { code: EXIT.usage, meaning: 'usage error (unknown option, no key), or the API refused the key (401)' },
  ],
  demo: [
    {
      code: EXIT.ok,
      meaning: `every task ended as scripted (scripted failures included; with --workers, in every worker but the one --kill-one kills) and the simulator counted 0 rate-limit violations, ${CLOSED_STDOUT}`,
    },
    { code: EXIT.failed, meaning: 'some task did not end as scripted, a worker died unasked, the two created tasks were not saved, or the simulator counted a rate-limit violation (each is a bug)' },
    { code: EXIT.usage, meaning: 'usage error, or the simulator could not start' },
    {
      code: EXIT.needsRedis,
      meaning:
        '--workers cannot run: no redis-server or valkey-server on PATH and no --redis, the Redis did not answer or is older than 6.2, or ioredis is not installed; the message says how to get what is missing',
    },
    { code: EXIT.interrupted, meaning: SIGINT },
    { code: EXIT.terminated, meaning: SIGTERM },
  ],
  simulate: [
    { code: EXIT.ok, meaning: 'stopped by SIGINT or SIGTERM, the only way it ends' },
    { code: EXIT.usage, meaning: 'usage error (bad flag, bad --faults), or the simulator could not start (e.g. the port is taken)' },
  ],
  dashboard: [
    { code: EXIT.ok, meaning: 'stopped by SIGINT or SIGTERM, the only way it ends' },
    {
      code: EXIT.usage,
      meaning: 'usage error (no --redis, bad value, a --host other than loopback without --token-file, a token file unreadable or shorter than 16 characters), or it cannot listen (e.g. the port is taken)',
    },
    { code: EXIT.needsRedis, meaning: 'ioredis is not installed, or the Redis did not answer; the message says what is missing' },
  ],
};

/** The exit code for a session stopped early: a signal, or a reader that went away (not an error). */
export function stoppedExitCode(reason: string): number {
  if (reason === 'EPIPE') return EXIT.ok;
  return reason === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

const HELP_WIDTH = 100;

/** Word-wraps a meaning under its own column, so the table reads at 100 columns. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Help-screen rendering of one command's table. */
export function exitCodesText(command: CommandName): string {
  const rows = EXIT_CODES[command].map((r) => `  ${String(r.code).padEnd(5)}${wrap(r.meaning, 7)}`);
  return `Exit codes (${command}):\n${rows.join('\n')}`;
}
