import { KieWatcherError } from '../errors.js';

/**
 * Redis could not be used in time (not connected, timed out, loading, out of memory, ...). The store
 * fails such calls at once instead of queueing them, and reports `down`: poll nothing until it reports
 * `up` again, since polling without the shared limiter could break the per-task rate limit.
 */
export class FleetUnavailableError extends KieWatcherError {
  /** The `code` of every instance, for `instanceof` across copies of the package. */
  static readonly errorCode = 'KIE_FLEET_UNAVAILABLE';
  /** Always `'KIE_FLEET_UNAVAILABLE'`. */
  readonly code = 'KIE_FLEET_UNAVAILABLE' as const;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** Errors that say the data or the connection is unusable right now, as opposed to a bug in a script. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  const msg = err.message;
  // Script runtime errors are programming errors: surface them as they are.
  if (/^ERR .*(script|user_script)/i.test(msg) || msg.startsWith('WRONGTYPE')) return false;
  return true;
}
