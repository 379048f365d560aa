import { parseArgs } from 'node:util';
import { DEFAULT_FAMILY, FAMILIES, type KnownFamilyId } from '../index.js';
import { isLoopbackHost } from '../validate.js';
import { UsageError, type CliPolicy, type HelpTopic } from './command.js';

/** The value checks every command's parser shares: each message names the flag and the help page it belongs to. */

export const DEFAULT_BASE_URL = 'https://api.kie.ai';
export const MAX_TIMEOUT_S = 30 * 24 * 3600;
/** The built-in families, in the order the docs list them. */
export const FAMILY_IDS = Object.keys(FAMILIES) as KnownFamilyId[];

export function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: readonly string[],
  options: T,
  topic: HelpTopic,
): { values: { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean }; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { values: values as { [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean }, positionals };
  } catch (err) {
    // parseArgs names the option, never its value, so its message is safe to show; its hint about '--' is
    // long and carries unbalanced quotes, so an unknown option gets a message of our own.
    const message = err instanceof Error ? err.message : String(err);
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    if (unknown) {
      const option = unknown[1] ?? '';
      const hint = option === '-v' ? ' (the version is --version or -v as the only argument; logs are --verbose)' : '';
      throw new UsageError(`unknown option '${option}'${hint}`, topic);
    }
    throw new UsageError(message, topic);
  }
}

export function integer(flag: string, value: string, min: number, max: number, topic: HelpTopic): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} needs an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, topic);
  }
  return n;
}

export function share(flag: string, value: string, topic: HelpTopic): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${flag} needs a number from 0 to 1, got ${JSON.stringify(value)}`, topic);
  return n;
}

export function positiveNumber(flag: string, value: string, max: number, topic: HelpTopic): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`--${flag} needs a number greater than 0 and at most ${max}, got ${JSON.stringify(value)}`, topic);
  }
  return n;
}

export function parsePolicy(value: string | undefined, topic: HelpTopic): CliPolicy {
  if (value === undefined || value === 'adaptive') return 'adaptive';
  if (value === 'fastest') return 'fastest';
  // Decimals too: the library's refusal of a too-short interval names the shortest allowed with one decimal.
  if (/^\d+(\.\d+)?$/.test(value) && Number.isFinite(Number(value))) return { intervalMs: Number(value) };
  throw new UsageError(`--policy needs adaptive, fastest or an interval in milliseconds, got ${JSON.stringify(value)}`, topic);
}

export function isFamilyId(value: string): value is KnownFamilyId {
  return (FAMILY_IDS as readonly string[]).includes(value);
}

/** `--family ID`: one built-in family; a mistyped one is a usage error that lists them all. */
export function parseFamily(value: string | undefined, topic: HelpTopic = 'watch'): KnownFamilyId {
  if (value === undefined) return DEFAULT_FAMILY;
  if (isFamilyId(value)) return value;
  throw new UsageError(`--family needs one of ${FAMILY_IDS.join(', ')}; got ${JSON.stringify(value.slice(0, 40))}`, topic);
}

/**
 * The library's own check names its options (`allowInsecureHttp`), which the CLI does not have; this one speaks
 * in flags. Only the scheme and host are echoed: a URL may carry a password.
 */
export function parseBaseUrl(value: string, topic: HelpTopic = 'watch'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('--base-url needs an absolute URL such as https://api.kie.ai', topic);
  }
  if (url.username !== '' || url.password !== '') throw new UsageError('--base-url must not carry a user name or password', topic);
  if (url.search !== '' || url.hash !== '') throw new UsageError('--base-url must not carry a query or a fragment', topic);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return value;
  throw new UsageError(
    `--base-url must be https:// (plain http:// only to this machine: localhost, 127.x.x.x or [::1]), got ${url.protocol}//${url.host}`,
    topic,
  );
}

