import type { TaskKey } from './types.js';
import { isTaskId, TASK_ID_RULE } from '../validate.js';

/** The fixed keys of an account every fleet script receives as KEYS, in this order (see scripts/*.lua). */
export const SCRIPT_KEYS = ['due', 'results', 'events', 'budget', 'pause', 'fence', 'epoch'] as const;

const FAMILY = /^[a-z0-9-]+$/;
// Prefix and account end up inside a hash tag and key names: braces would break the tag.
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Throws a TypeError naming `what` unless `value` is a usable prefix or account name. */
export function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) throw new TypeError(`${what} must match ${String(NAME)}`);
  return value;
}

/*
 * Built-in families are stored under two-character codes: the member is in the due set and in the task's key
 * name, and Redis keeps both once per pending task. `_` is not allowed in a family id, so a code never
 * collides with a custom family's id.
 */
const CODES: ReadonlyMap<string, string> = new Map([
  ['gpt4o-image', '_4'],
  ['flux-kontext', '_f'],
  ['luma', '_l'],
  ['market', '_k'],
  ['mj', '_m'],
  ['runway', '_r'],
  ['suno', '_s'],
  ['veo', '_v'],
]);
const FAMILIES: ReadonlyMap<string, string> = new Map([...CODES].map(([id, code]) => [code, id]));
/** The built-in family ids: a callback whose body does not name its family is for one of these (or a custom one). */
export const BUILT_IN_FAMILIES: readonly string[] = [...CODES.keys()];

/**
 * The zset member and key suffix of a task: `<family or its code>:<taskId>`. Families have no `:`, so the
 * first `:` splits it back even though task ids may contain one.
 */
export function memberOf(key: TaskKey): string {
  if (typeof key !== 'object' || key === null) throw new TypeError('task key must be { family, taskId }');
  if (typeof key.family !== 'string' || !FAMILY.test(key.family)) throw new TypeError(`family must match ${String(FAMILY)}`);
  if (!isTaskId(key.taskId)) throw new TypeError(`taskId must be ${TASK_ID_RULE}`);
  return `${CODES.get(key.family) ?? key.family}:${key.taskId}`;
}

export function keyOf(member: string): TaskKey {
  const i = member.indexOf(':');
  const family = member.slice(0, i);
  return { family: FAMILIES.get(family) ?? family, taskId: member.slice(i + 1) };
}

/** The fixed keys of one account, in {@link SCRIPT_KEYS} order: `<prefix>:{<account>}:<name>`. */
export function accountKeys(prefix: string, account: string): string[] {
  return SCRIPT_KEYS.map((name) => `${prefix}:{${account}}:${name}`);
}
