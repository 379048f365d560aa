/** The submit queue's parts and records (src/create/submitter.ts). */
import type { Clock } from '../clock.js';
import type { WatchError } from '../errors.js';
import type { CreateEndpoint, TaskFamily } from '../families/family.js';
import type { Log } from '../logger.js';
import type { ResolvedRetry } from '../options.js';
import type { KeyRedactor } from '../transport/redact.js';
import type { CreateClient } from './client.js';
import type { KeyBook, KeyRecord } from './keys.js';
import type { CreationLimit } from './window.js';

/** What `submit()` resolves with. */
export interface SubmitResult {
  /** The created task. */
  readonly taskId: string;
  /** Its family id. */
  readonly family: string;
  /** The submit key (yours, or the one made for the call). */
  readonly key: string;
}

/** One caller waiting for a create. */
export interface Waiter {
  readonly resolve: (r: SubmitResult) => void;
  readonly reject: (e: WatchError) => void;
  /** Removes the caller's abort listener and deadline timer. */
  cleanup: () => void;
  /** Leaves if the caller's signal aborted or deadline passed while the request was out (it was put back in the queue). */
  recheck: () => void;
}

/** One create: queued, then in flight; callers sharing its key wait on it together. */
export interface Create {
  readonly key: string;
  readonly family: TaskFamily;
  readonly endpoint: CreateEndpoint<unknown>;
  readonly body: string;
  readonly resubmit: boolean;
  readonly waiters: Set<Waiter>;
  /** Rate-limit refusals and refused connections in a row. */
  attempts: number;
  sent: boolean;
}

export interface SubmitterParts {
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Log;
  readonly retry: ResolvedRetry;
  readonly client: CreateClient;
  readonly limit: CreationLimit;
  readonly keys: KeyBook;
  readonly redactor: KeyRedactor;
  /** Added to the end of a request that ended without an answer: bytes on the wire may still arrive. */
  readonly endMarginMs: number;
  /** The longest create in flight at once (the create pool's connections). */
  readonly maxInFlight: number;
  /** A task was created: watch it (and record it pending). Runs before the callers hear of it. */
  readonly created: (family: TaskFamily, taskId: string) => void;
}

/** Per-caller options of a submit. */
export interface SubmitRequest {
  readonly family: TaskFamily;
  readonly body: string;
  readonly key: string;
  readonly resubmit: boolean;
  readonly signal: AbortSignal | undefined;
  /** Monotonic ms after which a create still queued gives up; `Infinity` for none. */
  readonly deadlineAt: number;
  /** The deadline as the caller gave it, for the error. */
  readonly timeoutMs: number | undefined;
}

/** How often a key out in another process is looked at again, at most, ms. */
export const LOOK_AGAIN_MS = 200;

/** A key whose create another live process of the fleet has out. */
export function elsewhere(r: KeyRecord | undefined): r is Extract<KeyRecord, { state: 'sending' }> & { settlesInMs: number } {
  return r !== undefined && r.state === 'sending' && r.settlesInMs !== undefined && r.settlesInMs > 0;
}

export type Settle = { readonly kind: 'ok'; readonly taskId: string; readonly family: string } | { readonly kind: 'error'; readonly error: WatchError };
