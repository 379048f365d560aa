import { isAbsolute } from 'node:path';
import { isLoopbackHost } from '../validate.js';
import { UsageError, type DashboardCommand } from './command.js';

export const DASHBOARD_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

export const DEFAULT_DASHBOARD_PORT = 7480;
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';


type Values = { redis?: string | undefined; prefix?: string | undefined; port?: string | undefined; host?: string | undefined; 'token-file'?: string | undefined };

export function dashboardCommand(values: Values, positionals: readonly string[]): DashboardCommand {
  const usage = (message: string): UsageError => new UsageError(message, 'dashboard');
  if (positionals.length > 0) throw usage(`dashboard takes no arguments, got ${JSON.stringify(positionals[0]?.slice(0, 40))}`);
  const redis = values.redis;
  if (redis === undefined) throw usage('--redis is required: the fleet\'s Redis, e.g. --redis redis://127.0.0.1:6379');
  const prefix = values.prefix ?? 'kie';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) throw usage('--prefix needs 1 to 64 characters of A-Z a-z 0-9 _ . : -');
  const port = values.port === undefined ? DEFAULT_DASHBOARD_PORT : Number(values.port);
  if (values.port !== undefined && (!/^\d+$/.test(values.port) || port > 65_535)) throw usage(`--port needs an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
  const host = values.host ?? DEFAULT_DASHBOARD_HOST;
  if (host.trim() === '' || /[\s/]/.test(host)) throw usage('--host needs a host name or an IP address to listen on');
  const tokenFile = values['token-file'];
  if (!isLoopbackHost(host) && tokenFile === undefined) {
    throw usage(
      `--host ${host} would show the fleet to the network without a token: Bull Board's own advice is to treat dashboard access as Redis access. Put a random token (16+ characters) in a file readable only by you and pass --token-file PATH, or keep the default --host 127.0.0.1`
    );
  }
  return { kind: 'dashboard', redis: parseDashboardRedis(redis, usage), prefix, port, host, tokenFile };
}

function parseDashboardRedis(value: string, usage: (message: string) => UsageError): string {
  if (isAbsolute(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usage('--redis needs a URL such as redis://127.0.0.1:6379, or the path of a unix socket');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw usage(`--redis needs a redis:// or rediss:// URL, got ${url.protocol}//`);
  if (url.password !== '') {
    throw usage('a password in --redis is refused: arguments are visible to every user through `ps`. Set REDISCLI_AUTH in the environment (as for redis-cli) and pass the URL without it');
  }
  return value;
}
