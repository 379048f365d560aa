import { channel, type Channel } from 'node:diagnostics_channel';

/**
 * Metrics and tracing hooks on `node:diagnostics_channel`, as undici publishes its own: free while nobody
 * subscribes (each publisher checks `hasSubscribers` before building a message). Subscribe with
 * `diagnostics_channel.subscribe(name, fn)`, or use the OpenTelemetry adapter in `kie-watcher/metrics`.
 * Messages never carry the API key.
 */
export const CHANNELS = {
  /** A request for a task is sent: {@link PollStartMessage}. */
  pollStart: 'kie-watcher:poll:start',
  /** Its answer was classified: {@link PollAnswerMessage}. */
  pollAnswer: 'kie-watcher:poll:answer',
  /** A task's watch ended: {@link TaskSettledMessage}. */
  taskSettled: 'kie-watcher:task:settled',
  /** A 429 slowed a task or paused the account: {@link RateLimitedMessage}. */
  rateLimited: 'kie-watcher:rate-limited',
} as const;

/** Published on `kie-watcher:poll:start` when a request for a task is sent (after the rate limiter admitted it). */
export interface PollStartMessage {
  /** The task's family id. */
  readonly family: string;
  /** The task. */
  readonly taskId: string;
}

/** The kinds an answer is classified as (see docs/errors.md). */
export type AnswerKind =
  | 'pending'
  | 'success'
  | 'failure'
  | 'invalid'
  | 'unknown-task'
  | 'rate-limited'
  | 'transient'
  | 'task-failed'
  | 'fatal'
  | 'transport';

/** Published on `kie-watcher:poll:answer` once a request's answer (or its failure) is classified. */
export interface PollAnswerMessage {
  /** The task's family id. */
  readonly family: string;
  /** The task. */
  readonly taskId: string;
  /** What the answer meant; `transport` when no answer came (network error, timeout, abort). */
  readonly kind: AnswerKind;
  /** ms from sending the request to classifying its answer (or its failure), by the watcher's monotonic clock. */
  readonly latencyMs: number;
}

/**
 * Published on `kie-watcher:task:settled` when a task's watch ends: it completed or failed, its last interest timed
 * out or was aborted, or `close()` ended it.
 */
export interface TaskSettledMessage {
  /** The task's family id. */
  readonly family: string;
  /** The task. */
  readonly taskId: string;
  /** `completed`, or the error `code` it ended with. */
  readonly outcome: 'completed' | 'failed' | 'timeout' | 'aborted' | 'closed';
  /** The error's `code` for an outcome other than `completed`. */
  readonly errorCode: string | null;
}

/** Published on `kie-watcher:rate-limited` for each 429, as the `rateLimited` event (one per scope). */
export interface RateLimitedMessage {
  /** The task's family id. */
  readonly family: string;
  /** The task whose request got the 429. */
  readonly taskId: string;
  /** `task`: only this task slows down; `account`: every task pauses. */
  readonly scope: 'task' | 'account';
  /** ms of the slow-down or the pause. */
  readonly delayMs: number;
  /** Whether the 429 was the HTTP status or the body `code`. */
  readonly source: 'http' | 'body';
}

export const pollStartChannel: Channel = channel(CHANNELS.pollStart);
export const pollAnswerChannel: Channel = channel(CHANNELS.pollAnswer);
export const taskSettledChannel: Channel = channel(CHANNELS.taskSettled);
export const rateLimitedChannel: Channel = channel(CHANNELS.rateLimited);
