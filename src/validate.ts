/**
 * The shared rules for values that come from outside: option checks with one message format, the taskId rule,
 * the loopback rule and the key of a (family, taskId) pair. The library, the CLI, the callbacks and the fleet
 * all use these, so a rule changes in one place.
 */

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `the number ${value}`;
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : `the string ${JSON.stringify(value)}`;
  return `a value of type ${typeof value}`;
}

export function fail(name: string, expected: string, value: unknown): never {
  throw new TypeError(`kie-watcher: option \`${name}\` must be ${expected}, got ${describe(value)}`);
}

export function checkNumber(name: string, value: unknown, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail(name, `${integer ? 'an integer' : 'a finite number'} from ${min} to ${max}`, value);
  }
  return value;
}

export function checkObject(name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
}

export function checkFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') fail(name, 'a function', value);
}

export function checkSignal(value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) fail('signal', 'an AbortSignal', value);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** `true` for a host name that stays on this machine (`localhost`, `127.x.x.x`, `[::1]`), where plain `http:` exposes nothing. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export const TASK_ID_MAX_LENGTH = 128;
const TASK_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;
/** The rule in words, for messages: the library, the CLI, the callbacks and the fleet keys all say the same. */
export const TASK_ID_RULE = `1 to ${TASK_ID_MAX_LENGTH} characters of A-Z a-z 0-9 _ . : - (no '..')`;

/** `true` for a usable taskId: it ends up in a URL and in Redis key names, so only a bounded set of safe characters, none that walks a path. */
export function isTaskId(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= TASK_ID_MAX_LENGTH && TASK_ID_PATTERN.test(value) && !value.includes('..') && !/^\.+$/.test(value);
}

/** taskIds end up in a URL: only a bounded set of safe characters is accepted, and none that walks a path. */
export function checkTaskId(taskId: unknown, name = 'taskId'): string {
  if (typeof taskId !== 'string') fail(name, 'a string', taskId);
  if (!isTaskId(taskId)) throw new TypeError(`kie-watcher: \`${name}\` must be ${TASK_ID_RULE}, got ${describe(taskId)}`);
  return taskId;
}


/**
 * `true` for an absolute `http:` or `https:` URL, as the WHATWG parser reads it: what a result URL must be.
 * `"null"`, `javascript:` and a JSON text are not, so a record carrying them is no success.
 */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The key of a (family, taskId) pair in the engine's maps. A newline can be in neither, so the pair is never ambiguous. */
export function taskKey(family: string, taskId: string): string {
  return `${family}\n${taskId}`;
}
