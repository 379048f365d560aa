/** Every error kie-watcher raises has one of these stable `code`s. */
export type KieWatcherErrorCode =
  | 'KIE_TASK_FAILED'
  | 'KIE_WATCH_TIMEOUT'
  | 'KIE_ABORTED'
  | 'KIE_API_ERROR'
  | 'KIE_INVALID_RESPONSE'
  | 'KIE_TRANSPORT_ERROR'
  | 'KIE_WATCHER_CLOSED'
  | 'KIE_SUBMIT_UNKNOWN'
  | 'KIE_CALLBACK_ERROR'
  | 'KIE_CALLBACK_REJECTED'
  | 'KIE_FLEET_UNAVAILABLE'
  | 'KIE_DOWNLOAD_FAILED';

/** What every error carries besides its message. */
export interface BaseOptions {
  readonly taskId?: string | undefined;
  readonly family?: string | undefined;
  readonly cause?: unknown;
}

/**
 * The package ships an ESM and a CJS build, and an app can load both (its own `import`, a dependency's
 * `require`). Each copy has its own classes, so a plain `instanceof` would fail across them; a registry symbol
 * shared by every copy brands the instances instead, as undici does.
 */
const BRAND = Symbol.for('kie-watcher.error');

/** Base class of every kie-watcher error: check `err instanceof KieWatcherError` or `isKieWatcherError(err)`, then switch on `err.code`. */
export abstract class KieWatcherError extends Error {
  /** Stable, literal: switch on it (on {@link AnyKieWatcherError} it narrows to the class). Messages may change; codes do not. */
  abstract readonly code: KieWatcherErrorCode;
  /** The task the error is about; `undefined` only for watcher-wide errors raised before a task was known. */
  readonly taskId: string | undefined;
  /** The task's family (`'gpt4o-image'`, `'market'`, ...), when the error is about a task. */
  readonly family: string | undefined;

  constructor(message: string, options: BaseOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.taskId = options.taskId;
    this.family = options.family;
  }

  /** Recognises instances from any copy of the package: the base class matches every brand, a subclass its own `code`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) return false;
    if (this === KieWatcherError) return true;
    // Only our own classes declare their code; a user's subclass falls back to the prototype chain above.
    if (!Object.hasOwn(this, 'errorCode')) return false;
    return (value as { code?: unknown }).code === (this as unknown as { errorCode: unknown }).errorCode;
  }
}
Object.defineProperty(KieWatcherError.prototype, BRAND, { value: true });
