import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import type { RedisTarget } from './protocol.js';

/** The ioredis module, loaded on demand: kie-watcher has it as an optional peer dependency. */
export type IORedisModule = typeof IORedis;

/** The scripts of the fleet use `ZADD ... LT/GT` and `GETDEL`, which Redis 6.2 introduced. */
const MIN_VERSION = [6, 2] as const;
const CONNECT_TIMEOUT_MS = 5_000;
const SCAN_COUNT = 500;

function isMissingModule(err: unknown, name: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && err instanceof Error && err.message.includes(`'${name}'`);
}

/** `undefined` when ioredis is not installed where this kie-watcher can see it; any other failure throws. */
export async function loadIoredis(): Promise<IORedisModule | undefined> {
  try {
    return await import('ioredis');
  } catch (err) {
    if (isMissingModule(err, 'ioredis')) return undefined;
    throw err;
  }
}

/** What to print when ioredis is missing. */
export function ioredisGuidance(workers: number): string {
  return [
    'kie-watch demo --workers: the fleet talks to Redis through ioredis, an optional peer dependency of',
    'kie-watcher, and it is not installed here. Install it next to kie-watcher:',
    '  npm install ioredis',
    `or, without installing anything: npx -p kie-watcher -p ioredis kie-watch demo --workers ${workers}`,
  ].join('\n');
}

/** What to print when neither a redis-server nor a valkey-server is on PATH, and no `--redis` was given. */
export function redisServerGuidance(workers: number): string {
  return [
    'kie-watch demo --workers: no redis-server or valkey-server on PATH, and no --redis given.',
    'The demo starts a private redis-server for the run (a unix socket in a temp directory, removed at the end).',
    'Install one:',
    '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
    '  macOS:          brew install redis',
    `or use a Redis you run already (this run's keys are removed at the end, nothing else is touched):`,
    `  kie-watch demo --workers ${workers} --redis redis://host:6379`,
  ].join('\n');
}

/** A URL as it may be shown: scheme, user name, host and database; never a password. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.username === '' ? '' : `${u.username}@`}${u.host}${u.pathname === '/' ? '' : u.pathname}`;
}

/**
 * The parent's own connection: to check the server before any worker starts, and to remove the run's keys
 * at the end. It fails fast instead of retrying: a Redis that does not answer now is a setup problem.
 */
export async function connectAdmin(lib: IORedisModule, target: RedisTarget): Promise<Redis> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null, connectionName: 'kie-watch-demo' };
  const client =
    'socket' in target
      ? new lib.Redis({ ...options, path: target.socket })
      : new lib.Redis(target.url, { ...options, ...(target.password === undefined ? {} : { password: target.password }) });
  // ioredis rejects connect() with "Connection is closed."; the reason came as an 'error' event before it.
  let cause: Error | undefined;
  client.on('error', (err: Error) => {
    cause ??= err;
  });
  try {
    await client.connect();
  } catch (err) {
    // A connection that never opened has ended already; disconnect() would arm a 2 s timer for a socket
    // that is gone, and keep the process alive for it.
    if (client.status !== 'end') client.disconnect();
    throw cause ?? err;
  }
  return client;
}

/** `7.0.15`, or `valkey 8.0.1`, from INFO; throws if it is older than the fleet needs. */
export async function checkVersion(client: Redis): Promise<string> {
  const info = await client.info('server');
  const field = (name: string): string | undefined => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
  const valkey = field('valkey_version');
  const version = valkey ?? field('redis_version') ?? '0.0.0';
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1])) {
    // Valkey answers with a redis_version of its own for compatibility; every Valkey is new enough.
    throw new Error(`Redis ${version} is too old for the fleet, which needs ${MIN_VERSION.join('.')} or later`);
  }
  return valkey === undefined ? version : `valkey ${version}`;
}

/** Removes every key under `prefix:` (this run's, and only those); resolves with how many there were. */
export async function deleteRunKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) deleted += await client.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
