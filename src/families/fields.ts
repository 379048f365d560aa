/**
 * Lenient readers for the fields every KIE family shares. The provider's docs disagree with each other
 * (and with the live API) on types and spellings, so each reader accepts every variant seen and returns
 * `null` for anything else. All are pure and never throw.
 */

/** A time read from a record. */
export interface ParsedTime {
  /** Epoch milliseconds. */
  readonly ms: number;
  /**
   * `false` when the text named no zone (`"YYYY-MM-DD HH:mm:ss"`): it was read as UTC, which the docs do not
   * promise, so it may be hours off. Epoch numbers and ISO-8601 texts with `Z` or an offset are `true`.
   */
  readonly zoned: boolean;
}

/** Beyond this `Date` cannot represent the instant (ECMAScript's time value limit). */
const MAX_TIME_MS = 8.64e15;
const DIGITS = /^\d{1,16}$/;
// One pattern for both written forms: `T` or a space between date and time, optional fraction, optional zone.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})([ T])(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function epoch(ms: number): ParsedTime | null {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME_MS) return null;
  return { ms: Math.trunc(ms), zoned: true };
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return Number.NaN;
  return sign * (hours * 60 + minutes) * 60_000;
}

function dateTime(text: string): ParsedTime | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, sep, h, mi, s, fraction, zone] = m;
  // ISO-8601 needs the `T`; a zone after a space-separated time is no format the provider uses.
  if (zone !== undefined && sep === ' ') return null;
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const local = Date.UTC(year, month, day, hour, minute, second, millis);
  const check = new Date(local);
  // Date.UTC rolls 2025-02-30 over into March; a calendar-invalid text is garbage, not a date.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  if (zone === undefined) return local >= 0 && local <= MAX_TIME_MS ? { ms: local, zoned: false } : null;
  const ms = local - zoneOffsetMs(zone);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIME_MS ? { ms, zoned: true } : null;
}

/**
 * Reads a time: epoch ms as a number or a digit string; `"YYYY-MM-DD HH:mm:ss"` (no zone: read as UTC,
 * `zoned: false`); ISO-8601 with `Z` or an offset, with or without a fraction. Anything else is `null`.
 */
export function readTime(value: unknown): ParsedTime | null {
  if (typeof value === 'number') return epoch(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (DIGITS.test(text)) return epoch(Number(text));
  return dateTime(text);
}

/** {@link readTime}, keeping only the epoch ms. */
export function readTimeMs(value: unknown): number | null {
  return readTime(value)?.ms ?? null;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

function fraction(n: number, percent: boolean): number | null {
  if (!Number.isFinite(n)) return null;
  // 1 is 100 % as a fraction; numbers above it can only be percentages (48 means 48 %).
  const scaled = percent || n > 1 ? n / 100 : n;
  return Math.min(1, Math.max(0, scaled));
}

/**
 * Reads progress as a fraction 0..1: `0.48`, `"0.48"`, `"48%"`, and numbers or texts in (1, 100] as
 * percentages (`48`, `"48"`); exactly 1 is 1.0. Clamped to 0..1; empty, garbage or NaN is `null`.
 */
export function readProgress(value: unknown): number | null {
  if (typeof value === 'number') return fraction(value, false);
  if (typeof value !== 'string') return null;
  let text = value.trim();
  const percent = text.endsWith('%');
  if (percent) text = text.slice(0, -1).trimEnd();
  if (!DECIMAL.test(text)) return null;
  return fraction(Number(text), percent);
}

/**
 * Reads an integer sent as a number or as a decimal text (`2`, `"2"`); anything else is `null`.
 * Flags and codes arrive both ways depending on the docs page.
 */
export function readInteger(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!/^-?\d{1,15}$/.test(text)) return null;
  return Number(text);
}

/**
 * Reads a provider error code (`failCode`, `errorCode`): an integer when it is one, otherwise the text as
 * sent; an empty text or anything else is `null` (market and runway send `""` when there is no error).
 */
export function readCode(value: unknown): number | string | null {
  const n = readInteger(value);
  if (n !== null) return n;
  return readText(value);
}

/** A non-empty text, or `null` (empty texts mean "none" in several families). */
export function readText(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** A text as sent (empty included), or `null` when it is not a text. */
export function readString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A finite number sent as a number or decimal text, or `null`. */
export function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return DECIMAL.test(text) ? Number(text) : null;
}

/** `true`/`false`, also as `1`/`0` or their texts; anything else is `null`. */
export function readBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === '1' || value === 'true') return true;
  if (value === 0 || value === '0' || value === 'false') return false;
  return null;
}

/**
 * Reads a field the provider sends as a JSON text (`paramJson`, `param`, `resultJson`, sometimes
 * `resultInfoJson`): a text is parsed, `null` when it is not JSON; an object or array sent as such is kept.
 * A malformed text never fails a finished task, so this never throws.
 */
export function readJson(value: unknown): unknown {
  if (typeof value === 'string') {
    // Pending market records send `""`: answer without paying for a thrown SyntaxError on every poll.
    if (!JSON_START.test(value)) return null;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return null;
    }
  }
  return value !== null && typeof value === 'object' ? value : null;
}

/** What a JSON text can start with, after optional whitespace. */
const JSON_START = /^\s*[{["\d\-tfn]/;

/** A plain (non-array) object, or `null`. */
export function readObject(value: unknown): Readonly<Record<string, unknown>> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function isUrlText(u: unknown): u is string {
  return typeof u === 'string' && u.trim().length > 0;
}

/**
 * The non-empty texts of an array, in order; a lone non-empty text is a list of one; else `[]`. A text that is
 * a JSON array (`'["https://a/1.png"]'`, as some records send it) is read as the array it encodes, never as one
 * URL; one that does not parse gives `[]`, so the record has no result.
 */
export function readUrls(value: unknown): string[] {
  if (typeof value === 'string' && value.trimStart().startsWith('[')) {
    const parsed = readJson(value);
    return Array.isArray(parsed) ? parsed.filter(isUrlText) : [];
  }
  if (isUrlText(value)) return [value];
  return Array.isArray(value) ? value.filter(isUrlText) : [];
}
