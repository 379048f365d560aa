import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createDashboard, type Dashboard } from '../dashboard/index.js';
import { isLoopbackHost } from '../validate.js';
import type { DashboardCommand } from './command.js';
import { EXIT } from './exit-codes.js';
import { displayUrl, loadIoredis } from './fleet/redis.js';
import { redactor, sink, type CliIo } from './io.js';

const CONNECT_TIMEOUT_MS = 5000;

/** Reads the token file; `undefined` and a message when it cannot be used. */
function readToken(path: string): { token?: string; problem?: string } {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    return { problem: `cannot read --token-file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  if (token.length < 16) return { problem: '--token-file holds fewer than 16 characters: use a random token, e.g. `openssl rand -hex 24 > token`' };
  return { token };
}

/** `http://host:port/`, with brackets around an IPv6 address. */
export function listenUrl(host: string, port: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h}:${port}/`;
}

/** Starts an HTTP server for `dashboard`; resolves once it listens (rejects when it cannot). */
export function listen(dashboard: Dashboard, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer(dashboard.node);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/** Closes a server and every connection it holds (open event streams never end by themselves). */
export async function stopServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * `kie-watch dashboard`: the page of a fleet, until SIGINT/SIGTERM. The URL is the first line of stdout
 * (with a one-time link when a token is needed), the rest goes to stderr.
 */
export async function runDashboard(cmd: DashboardCommand, io: CliIo): Promise<number> {
  const password = io.env['REDISCLI_AUTH'];
  const err = sink(io.stderr, redactor(password));
  const say = (text: string): void => err.write(`kie-watch dashboard: ${text}\n`);
  let token: string | undefined;
  if (cmd.tokenFile !== undefined) {
    const t = readToken(cmd.tokenFile);
    if (t.problem !== undefined) {
      say(t.problem);
      return EXIT.usage;
    }
    token = t.token;
  }
  const lib = await loadIoredis();
  if (lib === undefined) {
    say('the dashboard reads the fleet through ioredis, an optional peer dependency of kie-watcher: npm install ioredis');
    return EXIT.needsRedis;
  }
  const shown = cmd.redis.startsWith('/') ? cmd.redis : displayUrl(cmd.redis);
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: CONNECT_TIMEOUT_MS, connectionName: 'kie-dashboard', ...(password ? { password } : {}) };
  const redis: Redis = cmd.redis.startsWith('/') ? new lib.Redis({ ...options, path: cmd.redis }) : new lib.Redis(cmd.redis, options);
  let cause: Error | undefined;
  redis.on('error', (e: Error) => {
    cause ??= e;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    say(`cannot reach the Redis at ${shown}: ${(cause ?? (e as Error)).message}`);
    return EXIT.needsRedis;
  }
  // Without a token on loopback, other web pages could still reach it through DNS rebinding: the Host header
  // must name this machine.
  const dashboard = createDashboard({ redis, prefix: cmd.prefix, ...(token === undefined ? {} : { token }), loopbackHostOnly: token === undefined });
  let listening: { server: Server; port: number };
  try {
    listening = await listen(dashboard, cmd.host, cmd.port);
  } catch (e) {
    await dashboard.close();
    redis.disconnect();
    say(`cannot listen on ${cmd.host}:${cmd.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return EXIT.usage;
  }
  const url = listenUrl(cmd.host, listening.port);
  io.stdout.write(`${token === undefined ? url : `${url}${dashboard.link()}`}\n`);
  say(`the fleet under ${cmd.prefix}: at ${shown}; read-only; ${isLoopbackHost(cmd.host) ? 'this machine only' : `listening on ${cmd.host}`}${token === undefined ? '' : ', token required (the link above works once)'}. Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    const signal = io.signal;
    if (signal === undefined || signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await dashboard.close();
  await stopServer(listening.server);
  await redis.quit().catch(() => redis.disconnect());
  return EXIT.ok;
}
