import { DEFAULT_FAMILY, DEFAULTS, VERSION } from '../index.js';
import { FAMILY_IDS } from './args.js';
import type { HelpTopic } from './command.js';
import { exitCodesText } from './exit-codes.js';
import { DEMO_LEASE_MS } from './fleet/protocol.js';

/**
 * `npx kie-watch` would run whatever package is published under the name `kie-watch` and hand it the key;
 * naming the package makes npx fetch this one.
 */
export const NPX = 'npx -p kie-watcher kie-watch';

/** The family list, wrapped under the options' description column. */
const FAMILY_LIST = `${DEFAULT_FAMILY} (default), ${FAMILY_IDS.filter((f) => f !== DEFAULT_FAMILY).join(', ')}`;

const WATCH = `usage: kie-watch [watch] <taskId...> [options]

Watches KIE tasks until each one succeeds, fails or times out.
The API key comes from the KIE_API_KEY environment variable or from --api-key-file.
A key on the command line (--api-key) is refused: argv is visible to every user through
ps and ends up in shell history.

Options:
  --family ID          the tasks' family, which names their status endpoint and record shape:
                       ${FAMILY_LIST}.
                       A task watched as the wrong family stays unknown and fails after ${DEFAULTS.unknownTaskGraceMs / 1000} s
  --base-url URL       API base URL (default https://api.kie.ai)
  --timeout SECONDS    per-task deadline; reaching it is reported as "timeout", not as a failure (default 900)
  --api-key-file PATH  read the key from this file (trimmed); takes precedence over KIE_API_KEY
  --policy P           adaptive (default), fastest, or a fixed interval in milliseconds
  --callback-port N    receive KIE callbacks on port N (0: any free port) and poll only as a
                       safety net; create the tasks with a callBackUrl that reaches this port
  --callback-host H    address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --hmac-key-file PATH the webhook HMAC key (else KIE_WEBHOOK_HMAC_KEY); without a key,
                       unsigned callbacks are accepted. A key on the command line is refused
  --json               one JSON object per line on stdout (human messages go to stderr)
  --verbose            debug logs (pino, JSON) on stderr
  -h, --help           this help

Without installing: KIE_API_KEY=... ${NPX} <taskId...>

${exitCodesText('watch')}`;

const DEMO = `usage: kie-watch demo [--tasks N] [--families F] [--json] [--seed N] [--speed X] [--policy P]
                      [--timeout SECONDS] [--callbacks [--loss R]]
                      [--workers N [--redis URL] [--kill-one] [--dashboard]]

Starts an in-process KIE simulator on 127.0.0.1 with N scripted tasks (a few of them fail),
watches them all, and prints a summary with the rate-limit violations the simulator counted,
the requests per task and the detection delay (from each task's end to its report).

With --workers, N worker processes share the tasks through Redis: each one waits for every
task, one of them polls each task at a time within its rate limit, and every result reaches
all of them. The output shows who polled each task and what each worker received.
It needs ioredis (npm install ioredis) and a Redis: a redis-server or valkey-server on PATH,
started privately on a unix socket in a temp directory and removed at the end, or --redis.

Options:
  --tasks N            number of tasks, 1..10000 (default 36)
  --families F         spread the tasks over these families, in turn: all, or a comma-separated
                       list of ${FAMILY_IDS.join(', ')}
                       (default ${DEFAULT_FAMILY} only); with several, each line names its task's family
  --seed N             seed of the scripted workload (default 1)
  --speed X            divide every task duration and polling interval by X, e.g. 10 for a quick
                       run (default 1; never polls faster than the rate limit)
  --policy P           adaptive (default), fastest, or a fixed interval in milliseconds
  --timeout SECONDS    per-task deadline (default 120)
  --callbacks          the simulator calls back (signed with a fresh key) to a handler of
                       this process, which tells the watcher; polling is only a safety net
  --loss R             with --callbacks, the share of callbacks lost, 0..1 (default 0)
  --workers N          run the tasks on a fleet of N worker processes, 2..16 (see above)
  --redis URL          with --workers, use this Redis instead of a private redis-server:
                       redis:// or rediss://, without a password (set REDISCLI_AUTH for one);
                       the run's keys get a prefix of their own and are removed at the end
  --kill-one           with --workers, kill the last worker with SIGKILL as it starts a poll
                       after the first result, and show another worker taking over that task
                       once its claim lapses (${DEMO_LEASE_MS / 1000} s)
  --dashboard          with --workers, serve the fleet's dashboard on 127.0.0.1 (its URL on
                       stderr) during the run, and after it until Ctrl-C
  --json               one JSON object per line on stdout (human messages go to stderr)
  --verbose            debug logs (pino, JSON) on stderr; disables the live display
  -h, --help           this help

${exitCodesText('demo')}`;

const DASHBOARD = `usage: kie-watch dashboard --redis URL [--prefix P] [--port N] [--host H] [--token-file PATH]

Serves a live, read-only page of a fleet of watchers on Redis: pending tasks by family and state,
polls per second and 429s over 15 minutes, settled tasks, processes and the tasks they hold, a
task table with search, recent results and failures. Prints its URL on the first line of stdout.
One Redis reader serves every open tab. Needs ioredis (npm install ioredis).

Options:
  --redis URL          the fleet's Redis: redis:// or rediss:// without a password (set
                       REDISCLI_AUTH for one), or the absolute path of a unix socket
  --prefix P           the fleet's key prefix (default kie); every account under it is shown
  --port N             port to listen on (default 7480; 0: any free port)
  --host H             address to listen on (default 127.0.0.1). Any other than localhost,
                       127.x.x.x or ::1 needs --token-file
  --token-file PATH    a token (16+ characters, trimmed) every request must carry, as
                       Authorization: Bearer <token>, or through the cookie that the one-time
                       link printed on the first line sets (it works once)
  -h, --help           this help

${exitCodesText('dashboard')}`;

const SIMULATE_INTRO = `Runs the KIE simulator in the foreground until SIGINT/SIGTERM.
--verbose logs its requests to stderr.`;

const TOP = `kie-watch ${VERSION}: watch KIE.AI generation tasks until they finish

usage:
  kie-watch [watch] <taskId...> [--family ID] [--base-url URL] [--timeout SECONDS]
                                [--api-key-file PATH] [--policy adaptive|fastest|<ms>]
                                [--json] [--verbose]
                                [--callback-port N [--callback-host H] [--hmac-key-file PATH]]
  kie-watch demo [--tasks N] [--families all|ID,...] [--json] [--seed N] [--speed X]
                 [--callbacks [--loss R]] [--workers N [--redis URL] [--kill-one] [--dashboard]]
  kie-watch simulate [--port N] [--host H] [--tasks N] [--seed N]
  kie-watch dashboard --redis URL [--prefix P] [--port N] [--host H] [--token-file PATH]
  kie-watch help [watch|demo|simulate|dashboard]
  kie-watch --version | -v

The command comes first. Run \`kie-watch <command> --help\` for its options and exit codes.
The API key is read from KIE_API_KEY or --api-key-file, never from the command line
(nor is the webhook HMAC key: KIE_WEBHOOK_HMAC_KEY or --hmac-key-file).
Without installing: ${NPX} demo

${exitCodesText('watch')}
demo, simulate and dashboard have their own: kie-watch demo --help, kie-watch simulate --help, kie-watch dashboard --help.`;

export function helpText(topic: HelpTopic, simulateUsage: string): string {
  switch (topic) {
    case 'top':
      return TOP;
    case 'watch':
      return WATCH;
    case 'demo':
      return DEMO;
    case 'dashboard':
      return DASHBOARD;
    case 'simulate':
      return `${simulateUsage}\n\n${SIMULATE_INTRO}\n\n${exitCodesText('simulate')}`;
  }
}

/** The one-line usage shown after a usage error, so the message stays short. */
export function usageLine(topic: HelpTopic): string {
  switch (topic) {
    case 'top':
    case 'watch':
      return 'usage: kie-watch [watch] <taskId...> [--family ID] [--base-url URL] [--timeout SECONDS] [--api-key-file PATH] [--policy P] [--json] [--callback-port N]';
    case 'demo':
      return 'usage: kie-watch demo [--tasks N] [--families all|ID,...] [--json] [--seed N] [--speed X] [--callbacks [--loss R]] [--workers N [--redis URL] [--kill-one] [--dashboard]]';
    case 'simulate':
      return 'usage: kie-watch simulate [--port N] [--host H] [--tasks N] [--seed N]';
    case 'dashboard':
      return 'usage: kie-watch dashboard --redis URL [--prefix P] [--port N] [--host H] [--token-file PATH]';
  }
}
