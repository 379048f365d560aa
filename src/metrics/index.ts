/**
 * `kie-watcher/metrics`: OpenTelemetry metrics from the watchers' `node:diagnostics_channel` messages. Needs
 * `@opentelemetry/api` (an optional peer dependency of kie-watcher); the core package never imports this entry.
 */
export { instrumentKieWatcher, type KieWatcherMetricsOptions, type KieWatcherInstrumentation, type WatcherStatsSource } from './instrument.js';
export { METRICS, METRIC_ATTRIBUTES, POLL_DURATION_BUCKETS } from './names.js';
