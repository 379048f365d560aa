// Expose kie-watcher's metrics to Prometheus through OpenTelemetry: a watcher polls the bundled simulator,
// kie-watcher/metrics records what it does, a PrometheusExporter serves /metrics, and this script scrapes it once.
// Needs: npm install @opentelemetry/api @opentelemetry/sdk-metrics@2 @opentelemetry/exporter-prometheus@0.2   (Node 20)
// Run: npm run build && node examples/metrics-prometheus.mjs
import { createServer } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TaskWatcher } from 'kie-watcher';
import { instrumentKieWatcher } from 'kie-watcher/metrics';
import { startSimulator } from 'kie-watcher/simulator';

const sim = await startSimulator({ apiKey: 'demo-key' });
const watcher = new TaskWatcher({ apiKey: 'demo-key', baseUrl: sim.url });

// `new PrometheusExporter({ port: 9464 })` would serve /metrics on its own server. This example mounts it on
// a server of its own on a free port instead (the exporter reads port 0 as "the default, 9464").
const exporter = new PrometheusExporter({ preventServerStart: true });
const provider = new MeterProvider({ readers: [exporter] });
const metrics = instrumentKieWatcher({ meter: provider.getMeter('kie-watcher'), watcher });

const server = createServer((req, res) => {
  if (req.url === '/metrics') exporter.getMetricsRequestHandler(req, res);
  else res.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const metricsUrl = `http://127.0.0.1:${server.address().port}/metrics`;

const tasks = [
  { durationMs: 800, outcome: 'SUCCESS' },
  { durationMs: 1_200, outcome: 'SUCCESS', family: 'market' },
  { durationMs: 600, outcome: 'GENERATE_FAILED' },
];
const ids = sim.addTasks(tasks);
const outcomes = await Promise.allSettled(ids.map((id, i) => watcher.waitForCompletion(id, { family: tasks[i].family ?? 'gpt4o-image' })));
console.log(`watched ${ids.length} tasks: ${outcomes.map((o) => (o.status === 'fulfilled' ? o.value.status : o.reason.code)).join(', ')}`);

// What Prometheus would read at its next scrape; the histogram's bucket lines (16 per series) only counted.
const text = await (await fetch(metricsUrl)).text();
const lines = text.split('\n').filter((line) => line.startsWith('kie_watcher_'));
const buckets = lines.filter((line) => line.startsWith('kie_watcher_poll_duration_bucket'));
for (const line of lines) if (!buckets.includes(line)) console.log(line);
console.log(`(and ${buckets.length} kie_watcher_poll_duration_bucket lines, e.g. ${buckets.find((l) => l.includes('le="0.01"'))})`);

metrics.close();
await provider.shutdown();
server.close();
await watcher.close();
await sim.close();
