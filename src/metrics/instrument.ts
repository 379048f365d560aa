import { channel, subscribe, unsubscribe, type Channel } from 'node:diagnostics_channel';
import { diag, metrics, type Attributes, type BatchObservableCallback, type Meter, type Observable } from '@opentelemetry/api';
import { CHANNELS } from '../diagnostics.js';
import { VERSION } from '../version.js';
import { answerMeasurement, rateLimitedAttributes, requestAttributes, settledAttributes } from './messages.js';
import { METRIC_ATTRIBUTES, METRICS, POLL_DURATION_BUCKETS } from './names.js';

/** What the gauges read: a `TaskWatcher` fits. */
export interface WatcherStatsSource {
  /** Called at each collection; only `pending` and `inFlight` are read. */
  stats(): {
    /** Tasks being watched. */
    readonly pending: number;
    /** Requests awaiting their answer. */
    readonly inFlight: number;
  };
}

/** Options of {@link instrumentKieWatcher}. */
export interface KieWatcherMetricsOptions {
  /**
   * The meter to create the instruments on.
   * @default `metrics.getMeter('kie-watcher', VERSION)`: the global meter provider's, which must be
   * registered before this call (the API hands out no-op meters until then, and they stay no-op).
   */
  readonly meter?: Meter | undefined;
  /**
   * A watcher whose `stats()` feed the `kie_watcher.tasks.pending` and `kie_watcher.poll.in_flight` gauges.
   * Without it (and without `watchers`) those two instruments are not created.
   * @default undefined
   */
  readonly watcher?: WatcherStatsSource | undefined;
  /**
   * Several watchers by name: the gauges get one series per watcher, told apart by the `kie_watcher.watcher`
   * attribute. Names should be few and fixed (they become attribute values). Not together with `watcher`.
   * @default undefined
   */
  readonly watchers?: Readonly<Record<string, WatcherStatsSource>> | undefined;
}

/** What {@link instrumentKieWatcher} returns. */
export interface KieWatcherInstrumentation {
  /**
   * Unsubscribes from every channel and stops observing the watchers: nothing more is recorded, and once no
   * other subscriber is left the watchers skip building messages again. Safe to call twice.
   */
  close(): void;
}

type Handler = (message: unknown) => void;

/**
 * Records the watchers' diagnostics-channel messages as OpenTelemetry metrics (see {@link METRICS}).
 *
 * The channels are process-wide: one adapter counts every `TaskWatcher` in the process, whichever copy of
 * the package (ESM or CJS) made it. Create one per process; two adapters on one meter provider would count
 * everything twice.
 *
 * @throws TypeError when both `watcher` and `watchers` are given.
 */
export function instrumentKieWatcher(options: KieWatcherMetricsOptions = {}): KieWatcherInstrumentation {
  const sources = statsSources(options);
  const meter = options.meter ?? metrics.getMeter('kie-watcher', VERSION);
  const requests = meter.createCounter(METRICS.requests, { unit: '{request}', description: 'Status requests sent for watched tasks, retries included.' });
  const duration = meter.createHistogram(METRICS.pollDuration, {
    unit: 's',
    description: 'Time from sending a status request to classifying its answer or its failure.',
    advice: { explicitBucketBoundaries: [...POLL_DURATION_BUCKETS] },
  });
  const answers = meter.createCounter(METRICS.answers, { unit: '{answer}', description: 'Status answers, by the kind they were classified as.' });
  const settled = meter.createCounter(METRICS.settled, { unit: '{task}', description: 'Watches that ended, by outcome.' });
  const rateLimited = meter.createCounter(METRICS.rateLimited, { unit: '{event}', description: 'Rate-limit answers (429) that slowed a task or paused the account.' });

  const report = reportOnce();
  const handlers: readonly (readonly [string, Handler])[] = [
    [CHANNELS.pollStart, (m) => record(requestAttributes(m), (a) => requests.add(1, a))],
    [
      CHANNELS.pollAnswer,
      (m) =>
        record(answerMeasurement(m), (x) => {
          duration.record(x.seconds, x.attributes);
          answers.add(1, x.attributes);
        }),
    ],
    [CHANNELS.taskSettled, (m) => record(settledAttributes(m), (a) => settled.add(1, a))],
    [CHANNELS.rateLimited, (m) => record(rateLimitedAttributes(m), (a) => rateLimited.add(1, a))],
  ];
  // A subscriber that throws has its error re-thrown as an uncaught exception in the publishing process: a
  // faulty meter must cost metrics, never the user's process.
  function record<T>(value: T | undefined, write: (value: T) => void): void {
    if (value === undefined) return;
    try {
      write(value);
    } catch (error) {
      report(error);
    }
  }
  // Holding the Channel objects keeps them (and so the subscriptions) alive: channels are weakly held by name.
  const held: Channel[] = [];
  for (const [name, fn] of handlers) {
    held.push(channel(name));
    subscribe(name, fn);
  }
  const stopObserving = sources.length > 0 ? observe(meter, sources, report) : undefined;

  let closed = false;
  return {
    close(): void {
      if (closed) return;
      closed = true;
      for (const [name, fn] of handlers) unsubscribe(name, fn);
      held.length = 0;
      stopObserving?.();
    },
  };
}

function statsSources(options: KieWatcherMetricsOptions): readonly (readonly [Attributes, WatcherStatsSource])[] {
  if (options.watcher !== undefined && options.watchers !== undefined) {
    throw new TypeError('instrumentKieWatcher: pass `watcher` or `watchers`, not both');
  }
  if (options.watcher !== undefined) return [[{}, options.watcher]];
  return Object.entries(options.watchers ?? {}).map(([name, source]) => [{ [METRIC_ATTRIBUTES.watcher]: name }, source] as const);
}

/** The two gauges, fed by one `stats()` call per watcher per collection; returns how to stop. */
function observe(meter: Meter, sources: readonly (readonly [Attributes, WatcherStatsSource])[], report: (error: unknown) => void): () => void {
  const pending = meter.createObservableUpDownCounter(METRICS.pending, { unit: '{task}', description: 'Tasks being watched.' });
  const inFlight = meter.createObservableUpDownCounter(METRICS.inFlight, { unit: '{request}', description: 'Status requests awaiting their answer.' });
  const observables: Observable[] = [pending, inFlight];
  let live = sources;
  const callback: BatchObservableCallback = (result) => {
    for (const [attributes, source] of live) {
      try {
        const stats = source.stats();
        result.observe(pending, stats.pending, attributes);
        result.observe(inFlight, stats.inFlight, attributes);
      } catch (error) {
        report(error);
      }
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => {
    meter.removeBatchObservableCallback(callback, observables);
    // Dropped so that a closed adapter does not keep the watchers reachable.
    live = [];
  };
}

/** Reports the first failure through OpenTelemetry's diagnostic logger: a broken meter would otherwise log on every poll. */
function reportOnce(): (error: unknown) => void {
  let reported = false;
  return (error) => {
    if (reported) return;
    reported = true;
    diag.error('kie-watcher metrics: recording failed; later failures are not reported', error);
  };
}
