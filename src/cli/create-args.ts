import { readFileSync } from 'node:fs';
import { isTaskId, TASK_ID_RULE } from '../validate.js';
import { UsageError, type ApiCommand, type Command, type HelpTopic } from './command.js';
import { DEFAULT_BASE_URL, MAX_TIMEOUT_S, parse, parseBaseUrl, parseFamily, parsePolicy, positiveNumber } from './flags.js';

/** The parsers of the commands that create, save and ask the account: generate, download, credits. */

const API_OPTIONS = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'base-url': { type: 'string' },
  'api-key-file': { type: 'string' },
} as const;
const WAIT_OPTIONS = { ...API_OPTIONS, policy: { type: 'string' }, timeout: { type: 'string' }, family: { type: 'string' }, out: { type: 'string' } } as const;
const GENERATE_OPTIONS = { ...WAIT_OPTIONS, prompt: { type: 'string' }, size: { type: 'string' }, 'input-file': { type: 'string' } } as const;

/** Where files are saved without `--out`: the working directory, as curl -O and wget do. */
export const DEFAULT_OUT = '.';

type Values = { readonly [K in keyof typeof GENERATE_OPTIONS]?: (typeof GENERATE_OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function apiCommand(values: Values, topic: HelpTopic): ApiCommand {
  const timeout = values.timeout === undefined ? undefined : positiveNumber('timeout', values.timeout, MAX_TIMEOUT_S, topic);
  return {
    baseUrl: values['base-url'] === undefined ? DEFAULT_BASE_URL : parseBaseUrl(values['base-url'], topic),
    apiKeyFile: values['api-key-file'],
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    policy: parsePolicy(values.policy, topic),
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
}

function out(value: string | undefined, topic: HelpTopic): string {
  if (value === undefined) return DEFAULT_OUT;
  if (value.trim() === '') throw new UsageError('--out needs a folder path', topic);
  return value;
}

/** `--input-file PATH`: a JSON object, the family's create input as the API takes it. */
function inputFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(`cannot read --input-file ${path}${typeof code === 'string' ? ` (${code})` : ''}`, 'generate');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--input-file ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`, 'generate');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`--input-file ${path} must hold a JSON object (the family's create input)`, 'generate');
  return value as Record<string, unknown>;
}

export function parseGenerate(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, GENERATE_OPTIONS, 'generate');
  if (values.help) return { kind: 'help', topic: 'generate' };
  if (positionals.length > 0) throw new UsageError(`generate takes no arguments, got ${JSON.stringify(positionals[0]?.slice(0, 40))} (the prompt goes in --prompt "...")`, 'generate');
  const family = parseFamily(values.family, 'generate');
  const input: Record<string, unknown> = values['input-file'] === undefined ? {} : inputFile(values['input-file']);
  if (values.prompt !== undefined) input['prompt'] = values.prompt;
  if (values.size !== undefined) input['size'] = values.size;
  // The one input the 4o image family requires besides the prompt; a square is what its own docs start with.
  if (family === 'gpt4o-image' && input['size'] === undefined) input['size'] = '1:1';
  if (values['input-file'] === undefined && values.prompt === undefined) throw new UsageError('give --prompt "..." or --input-file PATH', 'generate');
  return { kind: 'generate', ...apiCommand(values, 'generate'), family, input, out: out(values.out, 'generate') };
}

export function parseDownload(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, WAIT_OPTIONS, 'download');
  if (values.help) return { kind: 'help', topic: 'download' };
  if (positionals.length === 0) throw new UsageError('give at least one taskId whose files to save', 'download');
  for (const id of positionals) {
    if (!isTaskId(id)) throw new UsageError(`not a valid taskId: ${JSON.stringify(id.slice(0, 60))} (${TASK_ID_RULE})`, 'download');
  }
  return { kind: 'download', ...apiCommand(values, 'download'), taskIds: [...new Set(positionals)], family: parseFamily(values.family, 'download'), out: out(values.out, 'download') };
}

export function parseCredits(argv: readonly string[]): Command {
  const { values, positionals } = parse(argv, API_OPTIONS, 'credits');
  if (values.help) return { kind: 'help', topic: 'credits' };
  if (positionals.length > 0) throw new UsageError(`credits takes no arguments, got ${JSON.stringify(positionals[0]?.slice(0, 40))}`, 'credits');
  const { policy: _policy, timeoutMs: _timeout, ...api } = apiCommand(values, 'credits');
  return { kind: 'credits', ...api };
}
