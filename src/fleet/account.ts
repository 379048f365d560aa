import { createHash } from 'node:crypto';

/** The fleet's name for an API account: a hash of the key, never the key (it ends up in Redis key names). */
export function accountOf(apiKey: string): string {
  return `k${createHash('sha256').update(apiKey).digest('hex').slice(0, 12)}`;
}
