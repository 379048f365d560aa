import type { IncomingMessage } from 'node:http';

/** The provider's check: `Authorization: Bearer <key>`, the scheme in any case. */
export function isAuthorized(req: IncomingMessage, apiKey: string): boolean {
  const header = req.headers.authorization;
  if (header === undefined) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1] === apiKey;
}
