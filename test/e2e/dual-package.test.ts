import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// An app can load the ESM build (its own `import`) and the CJS build (a dependency's `require`) in one process.
// Errors must be recognised across the two copies, as undici's are: a branded Symbol.hasInstance.

const root = resolve(import.meta.dirname, '../..');

describe('the ESM and CJS builds in one process', () => {
  it('instanceof works across the copies, for the base class and each subclass, and not between subclasses', () => {
    const code = `
      import { createRequire } from 'node:module';
      const esm = await import(${JSON.stringify(resolve(root, 'dist/index.js'))});
      const cjs = createRequire(import.meta.url)(${JSON.stringify(resolve(root, 'dist/index.cjs'))});
      const fromCjs = new cjs.WatchTimeoutError('t', 1000, { lastStatus: null, lastProgress: null });
      const fromEsm = new esm.WatcherClosedError('t');
      console.log(JSON.stringify({
        separateCopies: esm.KieWatcherError !== cjs.KieWatcherError,
        baseAcross: fromCjs instanceof esm.KieWatcherError,
        subAcross: fromCjs instanceof esm.WatchTimeoutError,
        subOther: fromCjs instanceof esm.TaskFailedError,
        backAcross: fromEsm instanceof cjs.WatcherClosedError,
        plainError: new Error('x') instanceof esm.KieWatcherError,
        guard: esm.isKieWatcherError(fromCjs) && !esm.isKieWatcherError(new Error('x')),
      }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({
      separateCopies: true,
      baseAcross: true,
      subAcross: true,
      subOther: false,
      backAcross: true,
      plainError: false,
      guard: true,
    });
  });

  it('errors of kie-watcher/callbacks and kie-watcher/redis, each bundled with its own copy of the classes, are instances of the main entry\'s classes in both builds', () => {
    const code = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const main = { esm: await import(${JSON.stringify(resolve(root, 'dist/index.js'))}), cjs: require(${JSON.stringify(resolve(root, 'dist/index.cjs'))}) };
      const callbacks = { esm: await import(${JSON.stringify(resolve(root, 'dist/callbacks/index.js'))}), cjs: require(${JSON.stringify(resolve(root, 'dist/callbacks/index.cjs'))}) };
      const redis = { esm: await import(${JSON.stringify(resolve(root, 'dist/redis/index.js'))}), cjs: require(${JSON.stringify(resolve(root, 'dist/redis/index.cjs'))}) };
      const out = {};
      for (const build of ['esm', 'cjs']) {
        for (const into of ['esm', 'cjs']) {
          const rejected = new callbacks[build].CallbackRejectedError('bad-signature', 't');
          const down = new redis[build].FleetUnavailableError('down');
          out[build + '->' + into] = {
            separateCopies: callbacks[build].CallbackRejectedError !== main[into].CallbackRejectedError,
            base: rejected instanceof main[into].KieWatcherError && down instanceof main[into].KieWatcherError,
            own: rejected instanceof main[into].CallbackRejectedError && down instanceof main[into].FleetUnavailableError,
            other: rejected instanceof main[into].FleetUnavailableError || down instanceof main[into].CallbackRejectedError,
            guard: main[into].isKieWatcherError(rejected) && main[into].isKieWatcherError(down),
            status: rejected.status,
          };
        }
      }
      console.log(JSON.stringify(out));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: root }).trim()) as Record<string, unknown>;
    const each = { separateCopies: true, base: true, own: true, other: false, guard: true, status: 401 };
    expect(out).toEqual({ 'esm->esm': each, 'esm->cjs': each, 'cjs->esm': each, 'cjs->cjs': each });
  });

  it('kie-watcher/metrics (ESM) counts what a watcher from the CJS build does: the channels are shared by name', () => {
    const code = `
      import { createRequire } from 'node:module';
      import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
      const { instrumentKieWatcher, METRICS } = await import(${JSON.stringify(resolve(root, 'dist/metrics/index.js'))});
      const require = createRequire(import.meta.url);
      const cjs = require(${JSON.stringify(resolve(root, 'dist/index.cjs'))});
      const { startSimulator } = require(${JSON.stringify(resolve(root, 'dist/simulator/index.cjs'))});
      class Reader extends MetricReader { async onShutdown() {} async onForceFlush() {} }
      const reader = new Reader();
      const provider = new MeterProvider({ readers: [reader] });
      const metrics = instrumentKieWatcher({ meter: provider.getMeter('t') });
      const sim = await startSimulator({ apiKey: 'k' });
      const [id] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS' }]);
      const w = new cjs.TaskWatcher({ apiKey: 'k', baseUrl: sim.url });
      await w.waitForCompletion(id);
      const requests = w.stats().requests;
      await w.close(); await sim.close();
      const { resourceMetrics } = await reader.collect();
      const sum = (name) => resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints).reduce((n, p) => n + p.value, 0);
      metrics.close(); await provider.shutdown();
      console.log(JSON.stringify({ requests, counted: sum(METRICS.requests), settled: sum(METRICS.settled) }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: root }).trim()) as { requests: number; counted: number; settled: number };
    expect(out.requests).toBeGreaterThan(0);
    expect(out).toEqual({ requests: out.requests, counted: out.requests, settled: 1 });
  });
});
