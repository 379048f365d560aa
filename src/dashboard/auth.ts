import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const COOKIE = 'kie_dashboard';
/** How long a one-time link stays usable if nobody opens it. */
const LINK_TTL_MS = 10 * 60_000;
/** Sessions (cookies) kept at most; the oldest go first. */
const MAX_SESSIONS = 1000;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares in time independent of where the strings differ (both are hashed to 32 bytes first). */
export function sameSecret(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

/**
 * The dashboard's token check. A request passes with `Authorization: Bearer <token>` (or `X-Dashboard-Token`),
 * or with the session cookie that a one-time link set: the link carries a random code, never the token, and
 * works once, so a URL that ends up in a browser history or a proxy log opens nothing later.
 */
export class TokenGate {
  readonly #token: Buffer | null;
  readonly #links = new Map<string, number>();
  readonly #sessions = new Set<string>();

  constructor(token: string | undefined) {
    if (token !== undefined && (typeof token !== 'string' || token.length < 16)) throw new TypeError('kie-watcher: dashboard token must be a string of at least 16 characters');
    this.#token = token === undefined ? null : digest(token);
  }

  get enabled(): boolean {
    return this.#token !== null;
  }

  /** A fresh one-time code for `?once=`. */
  link(): string {
    const code = randomBytes(24).toString('base64url');
    const now = Date.now();
    for (const [c, exp] of this.#links) if (exp < now) this.#links.delete(c);
    this.#links.set(code, now + LINK_TTL_MS);
    return code;
  }

  /** Whether the headers carry the token or a live session. */
  allows(header: (name: string) => string | undefined): boolean {
    if (this.#token === null) return true;
    const auth = header('authorization');
    if (auth !== undefined && /^Bearer /i.test(auth) && sameSecret(auth.slice(7).trim(), this.#token)) return true;
    const direct = header('x-dashboard-token');
    if (direct !== undefined && sameSecret(direct.trim(), this.#token)) return true;
    const session = cookieValue(header('cookie'), COOKIE);
    if (session === undefined) return false;
    // Compared by hash lookup: the session id is random and unguessable; the set holds only digests.
    return this.#sessions.has(digest(session).toString('hex'));
  }

  /** Spends a one-time code; returns a new session id for the cookie, or `undefined` when the code is not live. */
  redeem(code: string): string | undefined {
    let match: string | undefined;
    const given = digest(code);
    for (const [c, exp] of this.#links) if (timingSafeEqual(digest(c), given) && exp >= Date.now()) match = c;
    if (match === undefined) return undefined;
    this.#links.delete(match);
    const session = randomBytes(32).toString('base64url');
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.values().next().value as string);
    this.#sessions.add(digest(session).toString('hex'));
    return session;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
