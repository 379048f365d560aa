import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One Lua script, sent by SHA and loaded again whenever Redis says it does not know it. */
export class LuaScript {
  readonly sha: string;
  readonly source: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * EVALSHA, then EVAL once on NOSCRIPT. The script cache empties on every Redis restart and on SCRIPT
   * FLUSH; ioredis recovers from that for single commands but not inside pipelines (ioredis #1438,
   * #1497), so the store sends every script as a single command through here and never pipelines them.
   * Not mutating the caller's client with `defineCommand` keeps a client passed in as it was.
   */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

export function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
