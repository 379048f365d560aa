/**
 * Every error class kie-watcher raises, in one place: the base class and its brand (errors/base.ts), what a wait
 * ends with (errors/watch.ts), what a create ends with (errors/create.ts), and what user code, callbacks, the fleet
 * and downloads raise (errors/integration.ts). Import from here.
 */
import type { CallbackError, CallbackRejectedError, DownloadError, FleetUnavailableError } from './errors/integration.js';
import type { SubmitUnknownError } from './errors/create.js';
import { KieWatcherError } from './errors/base.js';
import type { AbortError, InvalidResponseError, KieApiError, TaskFailedError, TransportError, WatcherClosedError, WatchTimeoutError } from './errors/watch.js';

export { KieWatcherError, type KieWatcherErrorCode } from './errors/base.js';
export {
  TaskFailedError,
  WatchTimeoutError,
  AbortError,
  KieApiError,
  InvalidResponseError,
  TransportError,
  WatcherClosedError,
  type TaskFailure,
  type WatchTimeoutDetails,
  type ResponseIssue,
} from './errors/watch.js';
export { SubmitUnknownError, type SubmitUnknownDetails } from './errors/create.js';
export { CallbackError, CallbackRejectedError, FleetUnavailableError, DownloadError, type DownloadFailure, type DownloadFailureReason } from './errors/integration.js';
export type { CallbackRejectionReason, CallbackRejectionStatus } from './callbacks/rejections.js';

/** What a wait (`waitForCompletion`, `updates`, a `failed` event) or a create (`submit`, `generate`) can end with: switch on `code` to narrow. */
export type WatchError = TaskFailedError | WatchTimeoutError | AbortError | KieApiError | InvalidResponseError | TransportError | WatcherClosedError | SubmitUnknownError;

/** Every kie-watcher error, as a union discriminated by `code` (`CallbackRejectedError` and `FleetUnavailableError` are raised by the `kie-watcher/callbacks` and `kie-watcher/redis` entries). */
export type AnyKieWatcherError = WatchError | CallbackError | CallbackRejectedError | FleetUnavailableError | DownloadError;

/** `true` for an error from any copy of kie-watcher (ESM or CJS); narrows to the union, so `switch (err.code)` narrows further. */
export function isKieWatcherError(value: unknown): value is AnyKieWatcherError {
  return value instanceof KieWatcherError;
}
