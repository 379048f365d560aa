import { FAMILY_IDS, MAX_TIMEOUT_S, DEFAULT_BASE_URL, integer, isFamilyId, parse, parseBaseUrl, parseFamily, parsePolicy, positiveNumber, share } from './flags.js';
import { UsageError, type Command, type DemoCommand, type HelpTopic } from './command.js';
import { parseCredits, parseDownload, parseGenerate } from './create-args.js';
import { DASHBOARD_OPTIONS, dashboardCommand } from './dashboard-args.js';
import { isTaskId, TASK_ID_RULE } from '../validate.js';
import type { KnownFamilyId } from '../index.js';

export { DEFAULT_BASE_URL, FAMILY_IDS, parseBaseUrl, parseFamily, parsePolicy } from './flags.js';

const COMMAND_NAMES = ['watch', 'generate', 'download', 'credits', 'demo', 'simulate', 'dashboard', 'help'] as const;
const COMMANDS = new Set<string>(COMMAND_NAMES);
const HELP_TOPICS = new Set<string>(['top', ...COMMAND_NAMES.filter((c) => c !== 'help')]);

const COMMON = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  policy: { type: 'string' },
  timeout: { type: 'string' },
} as const;

const WATCH_OPTIONS = {
  ...COMMON,
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  family: { type: 'string' },
  'callback-port': { type: 'string' },
  'callback-host': { type: 'string' },
  'hmac-key-file': { type: 'string' },
} as const;
const DEMO_OPTIONS = {
  ...COMMON,
  tasks: { type: 'string' },
  seed: { type: 'string' },
  speed: { type: 'string' },
  families: { type: 'string' },
  callbacks: { type: 'boolean' },
  loss: { type: 'string' },
  workers: { type: 'string' },
  redis: { type: 'string' },
  'kill-one': { type: 'boolean' },
  keep: { type: 'boolean' },
  dashboard: { type: 'boolean' },
} as const;
/** Above this many workers a two-core machine spends the demo starting Node processes, not watching. */
export const MAX_DEMO_WORKERS = 16;
export const DEFAULT_CALLBACK_HOST = '127.0.0.1';

/** Flags that would put a secret on the command line, and where the secret belongs instead. */
const SECRET_FLAGS: readonly { readonly flags: readonly string[]; readonly what: string; readonly instead: string }[] = [
  { flags: ['--api-key', '--apikey', '--key'], what: 'an API key', instead: 'Set KIE_API_KEY in the environment, or put the key in a file readable only by you and pass --api-key-file PATH.' },
  {
    flags: ['--hmac-key', '--hmackey', '--webhook-hmac-key', '--webhook-key'],
    what: 'a webhook HMAC key',
    instead: 'Set KIE_WEBHOOK_HMAC_KEY in the environment, or put the key in a file readable only by you and pass --hmac-key-file PATH.',
  },
];

/**
 * A key passed as an argument is already exposed (ps, shell history) by the time we see it, so refusing it
 * loudly teaches the safe habit. The message never repeats the value.
 */
function refuseKeyArgument(argv: readonly string[], topic: HelpTopic): void {
  for (const token of argv) {
    if (token === '--') return;
    const flag = token.split('=', 1)[0] ?? token;
    const secret = SECRET_FLAGS.find((s) => s.flags.includes(flag));
    if (secret !== undefined) {
      throw new UsageError(
        `${secret.what} on the command line is refused: arguments are visible to every user through \`ps\` and are saved in shell history.\n${secret.instead}`,
        topic,
      );
    }
  }
}

/** `--families all|ID,ID,...`: the families to mix, each once, in the order given. */
export function parseFamilies(value: string | undefined): readonly KnownFamilyId[] | undefined {
  if (value === undefined) return undefined;
  if (value === 'all') return FAMILY_IDS;
  const ids = value.split(',').map((id) => id.trim());
  const unknown = ids.filter((id) => !isFamilyId(id));
  if (unknown.length > 0) {
    const named = unknown.map((id) => JSON.stringify(id.slice(0, 40))).join(', ');
    throw new UsageError(`--families needs all, or a comma-separated list of ${FAMILY_IDS.join(', ')}; got ${named}`, 'demo');
  }
  return [...new Set(ids as KnownFamilyId[])];
}

/** Optimal string alignment distance: a swap of two neighbours ('wacth') counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The command a mistyped first word was meant to be, if it is one. KIE task ids are long and carry digits or
 * underscores; a short word of letters within two edits of a command name is a typo, not a task.
 */
export function suggestCommand(token: string): string | undefined {
  if (!/^[a-z]{3,10}$/i.test(token)) return undefined;
  const word = token.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of COMMAND_NAMES) {
    const distance = editDistance(word, name);
    if (distance <= 2 && distance < word.length - 1 && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function parseWatch(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, WATCH_OPTIONS, 'watch');
  if (values.help) return { kind: 'help', topic: 'watch' };
  if (positionals.length === 0) throw new UsageError('give at least one taskId to watch', 'watch');
  for (const id of positionals) {
    if (COMMANDS.has(id)) throw new UsageError(`'${id}' is a command: put it first, before any option`, 'top');
    // The library's rule, checked up front so that a typo is a usage error before any request.
    if (!isTaskId(id)) {
      throw new UsageError(`not a valid taskId: ${JSON.stringify(id.slice(0, 60))} (${TASK_ID_RULE})`, 'watch');
    }
  }
  const timeout = values.timeout === undefined ? undefined : positiveNumber('timeout', values.timeout, MAX_TIMEOUT_S, 'watch');
  const port = values['callback-port'];
  if (port === undefined) {
    for (const flag of ['callback-host', 'hmac-key-file'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --callback-port`, 'watch');
    }
  }
  const host = values['callback-host'];
  if (host !== undefined && (host.trim() === '' || /[\s/]/.test(host))) throw new UsageError('--callback-host needs a host name or an IP address to listen on', 'watch');
  return {
    kind: 'watch',
    // Watching one task twice would print it twice and count it twice in the summary.
    taskIds: [...new Set(positionals)],
    family: parseFamily(values.family),
    baseUrl: values['base-url'] === undefined ? DEFAULT_BASE_URL : parseBaseUrl(values['base-url']),
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    apiKeyFile: values['api-key-file'],
    policy: parsePolicy(values.policy, 'watch'),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    callbacks:
      port === undefined
        ? undefined
        : { port: integer('callback-port', port, 0, 65_535, 'watch'), host: host ?? DEFAULT_CALLBACK_HOST, hmacKeyFile: values['hmac-key-file'] },
  };
}

function parseDemo(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, DEMO_OPTIONS, 'demo');
  if (values.help) return { kind: 'help', topic: 'demo' };
  if (positionals.length > 0) throw new UsageError(`demo takes no arguments, got ${JSON.stringify(positionals[0])}`, 'demo');
  return {
    kind: 'demo',
    tasks: values.tasks === undefined ? 36 : integer('tasks', values.tasks, 1, 10_000, 'demo'),
    families: parseFamilies(values.families),
    seed: values.seed === undefined ? 1 : integer('seed', values.seed, 0, 0xffffffff, 'demo'),
    speed: values.speed === undefined ? 1 : positiveNumber('speed', values.speed, 1000, 'demo'),
    timeoutMs: Math.round((values.timeout === undefined ? 120 : positiveNumber('timeout', values.timeout, MAX_TIMEOUT_S, 'demo')) * 1000),
    policy: parsePolicy(values.policy, 'demo'),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
    callbacks: demoCallbacks(values.callbacks ?? false, values.loss),
    fleet: demoFleet(values.workers, values.redis, { killOne: values['kill-one'] ?? false, dashboard: values.dashboard ?? false }, values.callbacks ?? false),
    keep: values.keep ?? false,
  };
}

function demoFleet(workers: string | undefined, redis: string | undefined, flags: { killOne: boolean; dashboard: boolean }, callbacks: boolean): DemoCommand['fleet'] {
  const { killOne, dashboard } = flags;
  if (workers === undefined) {
    if (redis !== undefined) throw new UsageError('--redis needs --workers', 'demo');
    if (killOne) throw new UsageError('--kill-one needs --workers', 'demo');
    if (dashboard) throw new UsageError('--dashboard needs --workers: it shows a fleet on Redis', 'demo');
    return undefined;
  }
  // The callback handler would live in this process, which watches nothing; the fleet has no door for it yet.
  if (callbacks) throw new UsageError('--callbacks and --workers cannot be combined', 'demo');
  return { workers: integer('workers', workers, 2, MAX_DEMO_WORKERS, 'demo'), redisUrl: redis === undefined ? undefined : parseRedisUrl(redis), killOne, dashboard };
}

/**
 * `--redis URL`: `redis://` or `rediss://`. A password in it is refused like an API key (`ps` shows
 * arguments to every user); `REDISCLI_AUTH`, as redis-cli reads it, carries one instead. Messages name the
 * scheme and host only.
 */
export function parseRedisUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--redis needs a URL such as redis://127.0.0.1:6379', 'demo');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UsageError(`--redis needs a redis:// or rediss:// URL, got ${url.protocol}//`, 'demo');
  if (url.hostname === '') throw new UsageError('--redis needs a host, as in redis://127.0.0.1:6379', 'demo');
  if (url.password !== '') {
    throw new UsageError(
      `a password in --redis is refused: arguments are visible to every user through \`ps\` and are saved in shell history.\nSet REDISCLI_AUTH in the environment (as for redis-cli) and pass the URL without it: --redis ${url.protocol}//${url.username === '' ? '' : `${url.username}@`}${url.host}${url.pathname === '/' ? '' : url.pathname}`,
      'demo',
    );
  }
  return value;
}

function demoCallbacks(enabled: boolean, loss: string | undefined): DemoCommand['callbacks'] {
  if (!enabled) {
    if (loss !== undefined) throw new UsageError('--loss needs --callbacks', 'demo');
    return undefined;
  }
  return { lossRate: loss === undefined ? 0 : share('loss', loss, 'demo') };
}

function parseSimulate(argv: readonly string[]): Command {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', topic: 'simulate' };
  return { kind: 'simulate', argv: argv.filter((a) => a !== '--verbose'), verbose: argv.includes('--verbose') };
}

export function parseCommand(argv: readonly string[]): Command {
  const first = argv[0];
  if (first === undefined) return { kind: 'help', topic: 'top' };
  // -v is what most tools answer with their version; taken alone, it means that here too.
  if (first === '--version' || first === '-V' || (first === '-v' && argv.length === 1)) return { kind: 'version' };
  if ((first === '--help' || first === '-h') && argv.length === 1) return { kind: 'help', topic: 'top' };
  switch (first) {
    case 'help': {
      const topic = argv[1] ?? 'top';
      if (!HELP_TOPICS.has(topic)) throw new UsageError(`no help for '${topic}'`, 'top');
      return { kind: 'help', topic: topic as HelpTopic };
    }
    case 'generate':
      refuseKeyArgument(argv, 'generate');
      return parseGenerate(argv.slice(1));
    case 'download':
      refuseKeyArgument(argv, 'download');
      return parseDownload(argv.slice(1));
    case 'credits':
      refuseKeyArgument(argv, 'credits');
      return parseCredits(argv.slice(1));
    case 'demo':
      refuseKeyArgument(argv, 'demo');
      return parseDemo(argv.slice(1));
    case 'simulate':
      refuseKeyArgument(argv, 'simulate');
      return parseSimulate(argv.slice(1));
    case 'watch':
      refuseKeyArgument(argv, 'watch');
      return parseWatch(argv.slice(1));
    case 'dashboard': {
      refuseKeyArgument(argv, 'dashboard');
      const { values, positionals } = parse(argv.slice(1), DASHBOARD_OPTIONS, 'dashboard');
      if (values.help) return { kind: 'help', topic: 'dashboard' };
      return dashboardCommand(values, positionals);
    }
    default: {
      refuseKeyArgument(argv, 'watch');
      const meant = suggestCommand(first);
      if (meant !== undefined) {
        throw new UsageError(`unknown command '${first}'; did you mean '${meant}'? (to watch a task with that id: kie-watch watch ${first})`, 'top');
      }
      return parseWatch(argv);
    }
  }
}
