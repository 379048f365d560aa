import { channel } from 'node:diagnostics_channel';
import type { Attributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type Histogram } from '@opentelemetry/sdk-metrics';
import { CHANNELS } from '../../src/diagnostics.js';

/** A reader that exports nothing by itself: the test calls `collect()` when it wants the numbers. */
class PullReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** One data point of one instrument, flattened. */
export interface Point {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Attributes;
  /** A counter's or gauge's value; a histogram's is its `Histogram`. */
  readonly value: number | Histogram;
}

export interface TestMeter {
  readonly provider: MeterProvider;
  /** Every data point the provider holds now (cumulative since the start). */
  collect(): Promise<Point[]>;
  shutdown(): Promise<void>;
}

export function testMeter(): TestMeter {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'collection failed');
      return resourceMetrics.scopeMetrics.flatMap((s) =>
        s.metrics.flatMap((m) =>
          (m.dataPoints as { attributes: Attributes; value: number | Histogram }[]).map((p) => ({
            name: m.descriptor.name,
            unit: m.descriptor.unit,
            attributes: p.attributes,
            value: p.value,
          })),
        ),
      );
    },
    shutdown: () => provider.shutdown(),
  };
}

const matches = (attributes: Attributes, where: Attributes): boolean => Object.entries(where).every(([k, v]) => attributes[k] === v);

/** The sum of a counter's (or gauge's) points whose attributes include `where`. */
export function total(points: readonly Point[], name: string, where: Attributes = {}): number {
  return points.filter((p) => p.name === name && matches(p.attributes, where)).reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);
}

/** The histogram points of `name` whose attributes include `where`. */
export function histograms(points: readonly Point[], name: string, where: Attributes = {}): Histogram[] {
  return points.filter((p) => p.name === name && matches(p.attributes, where)).flatMap((p) => (typeof p.value === 'number' ? [] : [p.value]));
}

/** Whether anything listens on each kie-watcher channel. */
export function subscribed(): Record<string, boolean> {
  return Object.fromEntries(Object.values(CHANNELS).map((name) => [name, channel(name).hasSubscribers]));
}

export const NOBODY: Record<string, boolean> = Object.fromEntries(Object.values(CHANNELS).map((name) => [name, false]));
