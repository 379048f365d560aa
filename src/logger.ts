/**
 * The logger the watcher accepts: a pino logger, or any object with `debug`, `info`, `warn` and `error`
 * (`console` included). Each method is called as `(object, message)`, pino's convention.
 */
export interface LoggerLike {
  /** Per-request detail (retries, rate limits, settled tasks); only called when enabled, if `isLevelEnabled` says. */
  debug(obj: object, msg?: string): unknown;
  /** Not used by the watcher today; required so that any leveled logger fits. */
  info(obj: object, msg?: string): unknown;
  /** Something odd but handled: an undocumented status, a limiter that refused with a past retry time. */
  warn(obj: object, msg?: string): unknown;
  /** User code that threw, a key or account refused (401/402), an internal error. */
  error(obj: object, msg?: string): unknown;
  /** pino's: used when present, so bindings are rendered the pino way. */
  child?(bindings: Record<string, unknown>): LoggerLike;
  /** pino's: used when present, so disabled debug lines cost nothing. */
  isLevelEnabled?(level: string): boolean;
}

/** What the engine logs through: never throws, knows whether debug lines are wanted. */
export interface Log {
  readonly debugEnabled: boolean;
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): Log;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** The default: silent, and free (no object is built for a line nobody reads). */
export const silentLog: Log = {
  debugEnabled: false,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLog,
};

/** Checks the shape once, at construction, naming what is missing; a logger that throws later is ignored. */
export function toLog(logger: unknown): Log {
  if (logger === undefined) return silentLog;
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError(`kie-watcher: option \`logger\` must be a pino logger or an object with ${LEVELS.join('/')} methods`);
  }
  const missing = LEVELS.filter((l) => typeof (logger as Record<string, unknown>)[l] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`kie-watcher: option \`logger\` must have ${LEVELS.join('/')} methods (a pino logger or console); missing: ${missing.join(', ')}`);
  }
  return wrap(logger as LoggerLike, undefined);
}

function wrap(target: LoggerLike, bindings: Record<string, unknown> | undefined): Log {
  const call = (level: Level, obj: object, msg: string): void => {
    try {
      target[level](bindings === undefined ? obj : { ...bindings, ...obj }, msg);
    } catch {
      // A broken logger must not break the watcher, and there is nowhere left to report it.
    }
  };
  let debugEnabled = true;
  try {
    debugEnabled = typeof target.isLevelEnabled === 'function' ? target.isLevelEnabled('debug') : true;
  } catch {
    debugEnabled = false;
  }
  return {
    debugEnabled,
    debug: (obj, msg) => call('debug', obj, msg),
    info: (obj, msg) => call('info', obj, msg),
    warn: (obj, msg) => call('warn', obj, msg),
    error: (obj, msg) => call('error', obj, msg),
    child: (more) => {
      if (typeof target.child === 'function') {
        try {
          return wrap(target.child(more), bindings);
        } catch {
          // fall through to merging the bindings ourselves
        }
      }
      return wrap(target, { ...bindings, ...more });
    },
  };
}
