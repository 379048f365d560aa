import { VERSION } from '../index.js';

export type HelpTopic = 'top' | 'watch' | 'demo' | 'simulate';

const EXIT_CODES = `Exit codes:
  0    every task succeeded (simulate: stopped by SIGINT/SIGTERM)
  1    some task failed or timed out
  2    usage error, or a fatal API error (401 bad key, 402 no credits), or the simulator could not start
  130  interrupted by SIGINT (143 for SIGTERM); the watcher is closed cleanly first`;

const WATCH = `usage: kie-watch [watch] <taskId...> [options]

Watches KIE tasks until each one succeeds, fails or times out.
The API key comes from the KIE_API_KEY environment variable or from --api-key-file.
A key on the command line (--api-key) is refused: argv is visible to every user through
ps and ends up in shell history.

Options:
  --base-url URL       API base URL (default https://api.kie.ai)
  --timeout SECONDS    per-task deadline; reaching it is reported as "timeout", not as a failure (default 900)
  --api-key-file PATH  read the key from this file (trimmed); takes precedence over KIE_API_KEY
  --policy P           adaptive (default), fastest, or a fixed interval in milliseconds
  --json               one JSON object per line on stdout (human messages go to stderr)
  --verbose            debug logs (pino, JSON) on stderr
  -h, --help           this help

${EXIT_CODES}`;

const DEMO = `usage: kie-watch demo [--tasks N] [--json] [--seed N] [--speed X] [--policy P] [--timeout SECONDS]

Starts an in-process KIE simulator on 127.0.0.1 with N scripted tasks (a few of them fail),
watches them all, and prints a summary with the rate-limit violations the simulator counted.

Options:
  --tasks N            number of tasks, 1..10000 (default 36)
  --seed N             seed of the scripted workload (default 1)
  --speed X            divide every task duration by X, e.g. 10 for a quick run (default 1)
  --policy P           adaptive (default), fastest, or a fixed interval in milliseconds
  --timeout SECONDS    per-task deadline (default 120)
  --json               one JSON object per line on stdout (human messages go to stderr)
  --verbose            debug logs (pino, JSON) on stderr; disables the live display
  -h, --help           this help

${EXIT_CODES}`;

const SIMULATE_INTRO = `Runs the KIE simulator in the foreground until SIGINT/SIGTERM (exit code 0).
--verbose logs its requests to stderr.`;

const TOP = `kie-watch ${VERSION}: watch KIE.AI generation tasks until they finish

usage:
  kie-watch [watch] <taskId...> [--base-url URL] [--timeout SECONDS] [--api-key-file PATH]
                                [--policy adaptive|fastest|<ms>] [--json] [--verbose]
  kie-watch demo [--tasks N] [--json] [--seed N] [--speed X]
  kie-watch simulate [--port N] [--host H] [--tasks N] [--seed N]
  kie-watch help [watch|demo|simulate]
  kie-watch --version

The command comes first. Run \`kie-watch <command> --help\` for its options.
The API key is read from KIE_API_KEY or --api-key-file, never from the command line.

${EXIT_CODES}`;

export function helpText(topic: HelpTopic, simulateUsage: string): string {
  switch (topic) {
    case 'top':
      return TOP;
    case 'watch':
      return WATCH;
    case 'demo':
      return DEMO;
    case 'simulate':
      return `${simulateUsage}\n\n${SIMULATE_INTRO}\n\n${EXIT_CODES}`;
  }
}

/** The one-line usage shown after a usage error, so the message stays short. */
export function usageLine(topic: HelpTopic): string {
  switch (topic) {
    case 'top':
    case 'watch':
      return 'usage: kie-watch [watch] <taskId...> [--base-url URL] [--timeout SECONDS] [--api-key-file PATH] [--policy P] [--json]';
    case 'demo':
      return 'usage: kie-watch demo [--tasks N] [--json] [--seed N] [--speed X]';
    case 'simulate':
      return 'usage: kie-watch simulate [--port N] [--host H] [--tasks N] [--seed N]';
  }
}
