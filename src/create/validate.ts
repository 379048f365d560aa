import { randomUUID } from 'node:crypto';
import type { TaskFamily } from '../families/family.js';
import { describe } from '../validate.js';

/** Longest submit key accepted. */
export const MAX_KEY_LENGTH = 256;

/** A caller's key, checked; or a fresh one, so every create has a record. */
export function keyOf(value: unknown): string {
  if (value === undefined) return randomUUID();
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH) {
    throw new TypeError(`kie-watcher: option \`key\` must be a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${describe(value)}`);
  }
  return value;
}

/**
 * The JSON body of a create: the input checked by the family's schema (a failing one is a `TypeError`, and
 * nothing is sent), with the watcher's `callbackUrl` as `callBackUrl` unless the input names its own.
 */
export function bodyOf(family: TaskFamily, input: unknown, callbackUrl: string | null): string {
  const create = family.create;
  if (create === undefined) throw new TypeError(`kie-watcher: family ${JSON.stringify(family.id)} has no create endpoint (defineFamily({ create: { path } }) adds one)`);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError(`kie-watcher: the input of a ${family.id} create must be an object, got ${describe(input)}`);
  const parsed = create.input.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`).join('; ');
    throw new TypeError(`kie-watcher: invalid ${family.id} input: ${issues}`);
  }
  const data = parsed.data as Record<string, unknown>;
  const body = callbackUrl !== null && data['callBackUrl'] === undefined ? { ...data, callBackUrl: callbackUrl } : data;
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch (err) {
    throw new TypeError(`kie-watcher: the ${family.id} input cannot be sent as JSON (${(err as Error).message})`);
  }
  return text;
}
