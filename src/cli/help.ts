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
                      [--timeout SECONDS] [--verbose] [--keep] [--callbacks [--loss R]]
                      [--workers N [--redis URL] [--kill-one] [--dashboard]]

Starts an in-process KIE simulator on 127.0.0.1 with N scripted tasks (a few of them fail),
watches them all, and prints a summary with the requests sent and the rate-limit violations
the simulator counted (with --callbacks also the requests per task, the detection delay from
each task's end to its report, and what became of the callbacks). Then it creates two tasks
with generate() and saves their files into a temporary folder it names, removed at the end
unless --keep.

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
  --keep               keep the folder the created tasks' files were saved in (it is named)
  --dashboard          with --workers, serve the fleet's dashboard on 127.0.0.1 (its URL on
                       stderr) during the run, and after it until Ctrl-C
  --json               one JSON object per line on stdout (human messages go to stderr)
  --verbose            debug logs (pino, JSON) on stderr; disables the live display
  -h, --help           this help

${exitCodesText('demo')}`;

/** The options of the commands that talk to the API, as the help screens list them. */
const API_HELP = `  --base-url URL       API base URL (default https://api.kie.ai)
  --api-key-file PATH  read the key from this file (trimmed); takes precedence over KIE_API_KEY
  --json               one JSON object per line on stdout (human messages go to stderr)
  --verbose            debug logs (pino, JSON) on stderr
  -h, --help           this help`;

const GENERATE = `usage: kie-watch generate --prompt TEXT [--family ID] [--size RATIO] [--input-file PATH]
                          [--out DIR] [--timeout SECONDS] [--policy P] [--base-url URL]
                          [--api-key-file PATH] [--json] [--verbose]

Creates one task with generate() (sent at most once: a fresh submit key per run), shows its
progress, saves its files into --out as <taskId>-<n>.<ext>, and prints their paths, one per line,
last on stdout (with --json, one {"type":"file",...} line each).

Options:
  --family ID          the family to create on (default ${DEFAULT_FAMILY}):
                       ${FAMILY_IDS.join(', ')}
  --prompt TEXT        the prompt (laid over --input-file's)
  --size RATIO         ${DEFAULT_FAMILY}'s size: 1:1 (default), 3:2 or 2:3
  --input-file PATH    the family's create input as a JSON object, e.g. {"prompt":"...","nVariants":2}
  --out DIR            the folder to save into, made if missing (default: the current folder)
  --timeout SECONDS    deadline from the start, the create's wait included (default 900)
  --policy P           adaptive (default), fastest, or a fixed interval in milliseconds
${API_HELP}

Try it without an account: kie-watch simulate --port 8787 & then
  KIE_API_KEY=sim-key kie-watch generate --base-url http://127.0.0.1:8787 --prompt "a red fox"

${exitCodesText('generate')}`;

const DOWNLOAD = `usage: kie-watch download <taskId...> [--family ID] [--out DIR] [--timeout SECONDS] [--policy P]
                          [--base-url URL] [--api-key-file PATH] [--json] [--verbose]

Saves each task's result files into --out as <taskId>-<n>.<ext> (waiting for the task first if
it is still running), through the provider's download-url links, and prints their paths, one
per line, last on stdout. The provider keeps files 14 days (Midjourney 15).

Options:
  --family ID          the tasks' family (default ${DEFAULT_FAMILY}): ${FAMILY_IDS.filter((f) => f !== DEFAULT_FAMILY).join(', ')}
  --out DIR            the folder to save into, made if missing (default: the current folder)
  --timeout SECONDS    per-task deadline (default 900)
  --policy P           adaptive (default), fastest, or a fixed interval in milliseconds
${API_HELP}

${exitCodesText('download')}`;

const CREDITS = `usage: kie-watch credits [--base-url URL] [--api-key-file PATH] [--json] [--verbose]

Prints the account's credit balance (GET /api/v1/chat/credit): a bare number, or with --json
one {"type":"credits","credits":N} line.

Options:
${API_HELP}

${exitCodesText('credits')}`;

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

const SIMULATE_INTRO = `Runs the KIE simulator in the foreground until SIGINT/SIGTERM. Also:
  --verbose           log its requests to stderr (pino, JSON)
  -h, --help          this help`;

const TOP = `kie-watch ${VERSION}: watch KIE.AI generation tasks until they finish

usage:
  kie-watch [watch] <taskId...> [--family ID] [--base-url URL] [--timeout SECONDS]
                                [--api-key-file PATH] [--policy adaptive|fastest|<ms>]
                                [--json] [--verbose]
                                [--callback-port N [--callback-host H] [--hmac-key-file PATH]]
  kie-watch generate --prompt TEXT [--family ID] [--size RATIO] [--input-file PATH] [--out DIR]
                     [--timeout SECONDS] [--policy P] [--base-url URL] [--api-key-file PATH]
                     [--json] [--verbose]
  kie-watch download <taskId...> [--family ID] [--out DIR] [--timeout SECONDS] [--policy P]
                     [--base-url URL] [--api-key-file PATH] [--json] [--verbose]
  kie-watch credits [--base-url URL] [--api-key-file PATH] [--json] [--verbose]
  kie-watch demo [--tasks N] [--families all|ID,...] [--json] [--seed N] [--speed X] [--policy P]
                 [--timeout SECONDS] [--verbose] [--keep] [--callbacks [--loss R]]
                 [--workers N [--redis URL] [--kill-one] [--dashboard]]
  kie-watch simulate [--port N] [--host H] [--tasks N] [--seed N] [--api-key-env NAME]
                     [--per-task-limit N] [--faults JSON] [--verbose]
  kie-watch dashboard --redis URL [--prefix P] [--port N] [--host H] [--token-file PATH]
  kie-watch help [watch|generate|download|credits|demo|simulate|dashboard]
  kie-watch --version | -v

The command comes first. Run \`kie-watch <command> --help\` for its options and exit codes.
The API key is read from KIE_API_KEY or --api-key-file, never from the command line
(nor is the webhook HMAC key: KIE_WEBHOOK_HMAC_KEY or --hmac-key-file).
Without installing: ${NPX} demo

${exitCodesText('watch')}
generate, download, credits, demo, simulate and dashboard have their own: kie-watch generate --help,
kie-watch download --help, kie-watch credits --help, kie-watch demo --help, kie-watch simulate --help, kie-watch dashboard --help.`;

export function helpText(topic: HelpTopic, simulateUsage: string): string {
  switch (topic) {
    case 'top':
      return TOP;
    case 'watch':
      return WATCH;
    case 'generate':
      return GENERATE;
    case 'download':
      return DOWNLOAD;
    case 'credits':
      return CREDITS;
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
    case 'generate':
      return 'usage: kie-watch generate --prompt TEXT [--family ID] [--size RATIO] [--input-file PATH] [--out DIR] [--timeout SECONDS] [--policy P] [--json]';
    case 'download':
      return 'usage: kie-watch download <taskId...> [--family ID] [--out DIR] [--timeout SECONDS] [--policy P] [--json]';
    case 'credits':
      return 'usage: kie-watch credits [--base-url URL] [--api-key-file PATH] [--json]';
    case 'demo':
      return 'usage: kie-watch demo [--tasks N] [--families all|ID,...] [--json] [--seed N] [--speed X] [--policy P] [--keep] [--callbacks [--loss R]] [--workers N [--redis URL] [--kill-one] [--dashboard]]';
    case 'simulate':
      return 'usage: kie-watch simulate [--port N] [--host H] [--tasks N] [--seed N]';
    case 'dashboard':
      return 'usage: kie-watch dashboard --redis URL [--prefix P] [--port N] [--host H] [--token-file PATH]';
  }
}
