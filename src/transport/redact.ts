/**
 * Finds and hides the API key in text the provider sent back. Some APIs echo the credential in error messages,
 * raw or escaped; nothing the watcher logs or puts into an error may carry it. Returned data (a record, result
 * URLs) is never rewritten: a short key would otherwise corrupt it.
 */
export interface KeyRedactor {
  /** Does `text` contain the key in any spelling we know? Cheap enough to ask of every answer body. */
  echoes(text: string): boolean;
  /** `text` with every spelling of the key replaced by `[redacted]`. */
  redact(text: string): string;
  /** A copy of `value` with every string redacted (for records attached to errors). */
  redactDeep<T>(value: T): T;
}

export const REDACTED = '[redacted]';

/** The spellings a key can come back in: raw, JSON-escaped (slashes, non-ASCII), URL-encoded. */
function spellings(key: string): string[] {
  const json = JSON.stringify(key).slice(1, -1);
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const encoded = encodeURIComponent(key);
  const all = [key, json, json.replaceAll('/', '\\/'), ascii, ascii.replaceAll('/', '\\/'), encoded, encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), encodeURI(key)];
  // Longest first, so a longer spelling is replaced before a shorter one inside it.
  return [...new Set(all)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

export function keyRedactor(key: string): KeyRedactor {
  const forms = spellings(key);
  const echoes = (text: string): boolean => forms.some((f) => text.includes(f));
  const redact = (text: string): string => {
    let out = text;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    return out;
  };
  const redactDeep = <T>(value: T): T => deep(value, redact, 0) as T;
  return { echoes, redact, redactDeep };
}

function deep(value: unknown, redact: (s: string) => string, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => deep(v, redact, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[redact(k)] = deep(v, redact, depth + 1);
  return out;
}
