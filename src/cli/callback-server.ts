import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createCallbackHandler } from '../callbacks/index.js';
import type { TaskWatcher } from '../index.js';
import { UsageError, type HelpTopic } from './command.js';

/** A `node:http` server whose every path is the callback handler, poking one watcher. */
export interface CallbackServer {
  /** Where it listens, as a URL (`http://127.0.0.1:8080/`); any path is served. */
  readonly url: string;
  /** Pokes the handler made (replays and floods are already folded), and how many named a watched task. */
  readonly pokes: { total: number; watched: number };
  close(): Promise<void>;
}

/** KIE gives up on a callback after 15 s; a client slower than that is not KIE. */
const REQUEST_TIMEOUT_MS = 15_000;
const HEADERS_TIMEOUT_MS = 10_000;

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/`;
}

/**
 * Listens before anything is watched, so that no callback can arrive unheard. A port that cannot be had is a
 * usage error (exit 2), named by its system code only.
 */
export async function startCallbackServer(
  watcher: TaskWatcher,
  options: { host: string; port: number; hmacKey: string | undefined; logger: Logger | undefined; topic: HelpTopic },
): Promise<CallbackServer> {
  const pokes = { total: 0, watched: 0 };
  const target = {
    poke(taskId: string, pokeOptions?: { family?: string | undefined }): boolean {
      const watched = watcher.poke(taskId, pokeOptions);
      pokes.total += 1;
      if (watched) pokes.watched += 1;
      return watched;
    },
  };
  const handler = createCallbackHandler(target, {
    hmacKey: options.hmacKey,
    ...(options.logger === undefined ? {} : { logger: options.logger.child({ component: 'callbacks' }) }),
  });
  const server = createServer(handler);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  try {
    server.listen(options.port, options.host);
    await once(server, 'listening');
  } catch (err) {
    handler.close();
    const code = (err as { code?: unknown }).code;
    throw new UsageError(`cannot listen for callbacks on ${options.host} port ${options.port}${typeof code === 'string' ? ` (${code})` : ''}`, options.topic);
  }
  return {
    url: urlOf(server.address() as AddressInfo),
    pokes,
    close: async () => {
      handler.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
