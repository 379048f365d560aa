/**
 * The instruments `instrumentKieWatcher` creates, named in the OpenTelemetry semantic-convention style: a
 * `kie_watcher.` namespace, dot-separated, units in each instrument's `unit` and never in its name (a
 * Prometheus exporter turns `kie_watcher.poll.requests` into `kie_watcher_poll_requests_total`).
 */
export const METRICS = {
  /** Counter, `{request}`: requests sent, retries included. Attributes: family. */
  requests: 'kie_watcher.poll.requests',
  /** Histogram, `s`: from sending a request to classifying its answer (or its failure). Attributes: family, answer kind. */
  pollDuration: 'kie_watcher.poll.duration',
  /** Counter, `{answer}`: answers by the kind they were classified as. Attributes: family, answer kind. */
  answers: 'kie_watcher.poll.answers',
  /** Counter, `{task}`: watches that ended. Attributes: family, outcome, `error.type` (the error code) unless completed. */
  settled: 'kie_watcher.tasks.settled',
  /** Counter, `{event}`: a 429 slowed a task or paused the account. Attributes: family, scope, source. */
  rateLimited: 'kie_watcher.rate_limited',
  /** Asynchronous up-down counter, `{task}`: tasks being watched, from `watcher.stats()`. */
  pending: 'kie_watcher.tasks.pending',
  /** Asynchronous up-down counter, `{request}`: requests awaiting their answer, from `watcher.stats()`. */
  inFlight: 'kie_watcher.poll.in_flight',
} as const;

/**
 * The attributes the instruments carry: each has a small, fixed set of values (families are the ones the
 * watchers know), so no series is made per task. Task ids and keys are never recorded.
 */
export const METRIC_ATTRIBUTES = {
  /** The task family id, e.g. `gpt4o-image`. */
  family: 'kie_watcher.family',
  /** How an answer was classified: `pending`, `success`, `rate-limited`, `transport`, … (see `AnswerKind`). */
  answerKind: 'kie_watcher.answer.kind',
  /** How a watch ended: `completed`, `failed`, `timeout`, `aborted` or `closed`. */
  outcome: 'kie_watcher.task.outcome',
  /** The semantic conventions' error attribute: the error `code` a watch ended with, e.g. `KIE_WATCH_TIMEOUT`. */
  errorType: 'error.type',
  /** `task` (one task slowed down) or `account` (every request paused). */
  rateLimitScope: 'kie_watcher.rate_limit.scope',
  /** `http` (an HTTP 429) or `body` (HTTP 200 with body `code: 429`). */
  rateLimitSource: 'kie_watcher.rate_limit.source',
  /** The name a watcher was given in the `watchers` option (gauges only). */
  watcher: 'kie_watcher.watcher',
} as const;

/**
 * Bucket boundaries advised for `kie_watcher.poll.duration`, in seconds: from a loopback simulator (well under
 * a millisecond) to a slow answer over the internet, up to past the default 15 s request timeout. Advice
 * only: an SDK View on the instrument overrides it.
 */
export const POLL_DURATION_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20]);
