import type { Attributes } from '@opentelemetry/api';
import type { PollAnswerMessage, PollStartMessage, RateLimitedMessage, TaskSettledMessage } from '../diagnostics.js';
import { METRIC_ATTRIBUTES as A } from './names.js';

// Any code in the process can publish on these channel names (another copy or version of kie-watcher too),
// so a message is checked before it is read; one that does not fit is skipped, never thrown on. Only the
// low-cardinality fields are copied: `taskId` never becomes an attribute.

type Fields = Readonly<Record<string, unknown>>;
type Loose<T> = { readonly [K in keyof T]?: unknown };

function fields<T>(message: unknown): Loose<T> | undefined {
  return typeof message === 'object' && message !== null ? (message as Fields as Loose<T>) : undefined;
}

const isText = (v: unknown): v is string => typeof v === 'string';

/** `kie-watcher:poll:start` → the request counter's attributes. */
export function requestAttributes(message: unknown): Attributes | undefined {
  const m = fields<PollStartMessage>(message);
  return m && isText(m.family) ? { [A.family]: m.family } : undefined;
}

/** `kie-watcher:poll:answer` → the answer's attributes and its latency in seconds. */
export function answerMeasurement(message: unknown): { readonly attributes: Attributes; readonly seconds: number } | undefined {
  const m = fields<PollAnswerMessage>(message);
  if (!m || !isText(m.family) || !isText(m.kind) || typeof m.latencyMs !== 'number' || !(m.latencyMs >= 0)) return undefined;
  return { attributes: { [A.family]: m.family, [A.answerKind]: m.kind }, seconds: m.latencyMs / 1000 };
}

/** `kie-watcher:task:settled` → the settled counter's attributes (`error.type` only for an error). */
export function settledAttributes(message: unknown): Attributes | undefined {
  const m = fields<TaskSettledMessage>(message);
  if (!m || !isText(m.family) || !isText(m.outcome)) return undefined;
  const attributes: Attributes = { [A.family]: m.family, [A.outcome]: m.outcome };
  if (isText(m.errorCode)) attributes[A.errorType] = m.errorCode;
  return attributes;
}

/** `kie-watcher:rate-limited` → the rate-limited counter's attributes. */
export function rateLimitedAttributes(message: unknown): Attributes | undefined {
  const m = fields<RateLimitedMessage>(message);
  if (!m || !isText(m.family) || !isText(m.scope) || !isText(m.source)) return undefined;
  return { [A.family]: m.family, [A.rateLimitScope]: m.scope, [A.rateLimitSource]: m.source };
}
