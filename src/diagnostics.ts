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

export interface PollStartMessage {
  readonly family: string;
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

export interface PollAnswerMessage {
  readonly family: string;
  readonly taskId: string;
  readonly kind: AnswerKind;
  /** From sending the request to classifying its answer (or its failure). */
  readonly latencyMs: number;
}

export interface TaskSettledMessage {
  readonly family: string;
  readonly taskId: string;
  /** `completed`, or the error `code` it ended with. */
  readonly outcome: 'completed' | 'failed' | 'timeout' | 'aborted' | 'closed';
  /** The error's `code` for an outcome other than `completed`. */
  readonly errorCode: string | null;
}

export interface RateLimitedMessage {
  readonly family: string;
  readonly taskId: string;
  readonly scope: 'task' | 'account';
  readonly delayMs: number;
  readonly source: 'http' | 'body';
}

export const pollStartChannel: Channel = channel(CHANNELS.pollStart);
export const pollAnswerChannel: Channel = channel(CHANNELS.pollAnswer);
export const taskSettledChannel: Channel = channel(CHANNELS.taskSettled);
export const rateLimitedChannel: Channel = channel(CHANNELS.rateLimited);
