import { parseArgs } from 'node:util';
import type { PollingPolicy } from '../index.js';
import type { HelpTopic } from './help.js';

export class UsageError extends Error {
  readonly topic: HelpTopic;

  constructor(message: string, topic: HelpTopic) {
    super(message);
    this.name = 'UsageError';
    this.topic = topic;
  }
}

export interface WatchCommand {
  readonly kind: 'watch';
  readonly taskIds: readonly string[];
  readonly baseUrl: string;
  readonly timeoutMs: number | undefined;
  readonly apiKeyFile: string | undefined;
  readonly policy: PollingPolicy;
  readonly json: boolean;
  readonly verbose: boolean;
}

export interface DemoCommand {
  readonly kind: 'demo';
  readonly tasks: number;
  readonly seed: number;
  readonly speed: number;
  readonly timeoutMs: number;
  readonly policy: PollingPolicy;
  readonly json: boolean;
  readonly verbose: boolean;
}

export interface SimulateCommand {
  readonly kind: 'simulate';
  /** Handed to the standalone simulator, which owns the meaning of its flags. */
  readonly argv: readonly string[];
  readonly verbose: boolean;
}

export type Command =
  | { readonly kind: 'help'; readonly topic: HelpTopic }
  | { readonly kind: 'version' }
  | WatchCommand
  | DemoCommand
  | SimulateCommand;

const COMMANDS = new Set(['watch', 'demo', 'simulate', 'help']);
export const DEFAULT_BASE_URL = 'https://api.kie.ai';
const MAX_TIMEOUT_S = 30 * 24 * 3600;
/** The same rule the library applies; checked up front so a typo is a usage error before any request. */
const TASK_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const COMMON = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  policy: { type: 'string' },
  timeout: { type: 'string' },
} as const;

const WATCH_OPTIONS = { ...COMMON, 'base-url': { type: 'string' }, 'api-key-file': { type: 'string' } } as const;
const DEMO_OPTIONS = { ...COMMON, tasks: { type: 'string' }, seed: { type: 'string' }, speed: { type: 'string' } } as const;

/**
 * A key passed as an argument is already exposed (ps, shell history) by the time we see it, so refusing it
 * loudly teaches the safe habit. The message never repeats the value.
 */
function refuseKeyArgument(argv: readonly string[], topic: HelpTopic): void {
  for (const token of argv) {
    if (token === '--') return;
    if (token === '--api-key' || token.startsWith('--api-key=') || token === '--apikey' || token.startsWith('--apikey=') || token === '--key' || token.startsWith('--key=')) {
      throw new UsageError(
        'an API key on the command line is refused: arguments are visible to every user through `ps` and are saved in shell history.\n' +
          'Set KIE_API_KEY in the environment, or put the key in a file readable only by you and pass --api-key-file PATH.',
        topic,
      );
    }
  }
}

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: readonly string[],
  options: T,
  topic: HelpTopic,
): { values: { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean }; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { values: values as { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean }, positionals };
  } catch (err) {
    // parseArgs names the option, never its value, so its message is safe to show.
    throw new UsageError(err instanceof Error ? err.message : String(err), topic);
  }
}

function integer(flag: string, value: string, min: number, max: number, topic: HelpTopic): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} needs an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, topic);
  }
  return n;
}

function positiveNumber(flag: string, value: string, max: number, topic: HelpTopic): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`--${flag} needs a number greater than 0 and at most ${max}, got ${JSON.stringify(value)}`, topic);
  }
  return n;
}

export function parsePolicy(value: string | undefined, topic: HelpTopic): PollingPolicy {
  if (value === undefined || value === 'adaptive') return 'adaptive';
  if (value === 'fastest') return 'fastest';
  if (/^\d+$/.test(value) && Number.isSafeInteger(Number(value))) return { intervalMs: Number(value) };
  throw new UsageError(`--policy needs adaptive, fastest or an interval in milliseconds, got ${JSON.stringify(value)}`, topic);
}

function parseWatch(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, WATCH_OPTIONS, 'watch');
  if (values.help) return { kind: 'help', topic: 'watch' };
  if (positionals.length === 0) throw new UsageError('give at least one taskId to watch', 'watch');
  for (const id of positionals) {
    if (COMMANDS.has(id)) throw new UsageError(`'${id}' is a command: put it first, before any option`, 'top');
    if (!TASK_ID.test(id) || id.includes('..')) {
      throw new UsageError(`not a valid taskId: ${JSON.stringify(id.slice(0, 60))} (1 to 128 characters of A-Z a-z 0-9 _ . : -)`, 'watch');
    }
  }
  const timeout = values.timeout === undefined ? undefined : positiveNumber('timeout', values.timeout, MAX_TIMEOUT_S, 'watch');
  return {
    kind: 'watch',
    // Watching one task twice would print it twice and count it twice in the summary.
    taskIds: [...new Set(positionals)],
    baseUrl: values['base-url'] ?? DEFAULT_BASE_URL,
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    apiKeyFile: values['api-key-file'],
    policy: parsePolicy(values.policy, 'watch'),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
}

function parseDemo(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, DEMO_OPTIONS, 'demo');
  if (values.help) return { kind: 'help', topic: 'demo' };
  if (positionals.length > 0) throw new UsageError(`demo takes no arguments, got ${JSON.stringify(positionals[0])}`, 'demo');
  return {
    kind: 'demo',
    tasks: values.tasks === undefined ? 36 : integer('tasks', values.tasks, 1, 10_000, 'demo'),
    seed: values.seed === undefined ? 1 : integer('seed', values.seed, 0, 0xffffffff, 'demo'),
    speed: values.speed === undefined ? 1 : positiveNumber('speed', values.speed, 1000, 'demo'),
    timeoutMs: Math.round((values.timeout === undefined ? 120 : positiveNumber('timeout', values.timeout, MAX_TIMEOUT_S, 'demo')) * 1000),
    policy: parsePolicy(values.policy, 'demo'),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
}

function parseSimulate(argv: readonly string[]): Command {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', topic: 'simulate' };
  return { kind: 'simulate', argv: argv.filter((a) => a !== '--verbose'), verbose: argv.includes('--verbose') };
}

export function parseCommand(argv: readonly string[]): Command {
  const first = argv[0];
  if (first === undefined) return { kind: 'help', topic: 'top' };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if ((first === '--help' || first === '-h') && argv.length === 1) return { kind: 'help', topic: 'top' };
  switch (first) {
    case 'help': {
      const topic = argv[1] ?? 'top';
      if (topic !== 'top' && topic !== 'watch' && topic !== 'demo' && topic !== 'simulate') throw new UsageError(`no help for '${topic}'`, 'top');
      return { kind: 'help', topic };
    }
    case 'demo':
      refuseKeyArgument(argv, 'demo');
      return parseDemo(argv.slice(1));
    case 'simulate':
      refuseKeyArgument(argv, 'simulate');
      return parseSimulate(argv.slice(1));
    case 'watch':
      refuseKeyArgument(argv, 'watch');
      return parseWatch(argv.slice(1));
    default:
      refuseKeyArgument(argv, 'watch');
      return parseWatch(argv);
  }
}
