// What reading one record costs per family: `family.read(data, taskId)` on each family's documented
// success fixture (zod schema, normalize, classify, result URLs) and on its pending fixture, compared with
// the old 4o-only path (src/record.ts recordSchema + normalizeRecord + classifyRecord). The families are
// not in dist yet, so the sources are bundled with esbuild first.
// Run: node bench/family-read-cost.mjs   (prints a table; N=200000 by default, set N=... to change)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const N = Number(process.env.N ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'family-read-cost-'));
try {
  await build({
    entryPoints: { families: 'src/families/index.ts', fixtures: 'test/fixtures/families/index.ts', classify: 'src/classify.ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const { FAMILIES } = await import(pathToFileURL(join(dir, 'families.mjs')).href);
  const { FAMILY_FIXTURES } = await import(pathToFileURL(join(dir, 'fixtures.mjs')).href);
  const { classifyResponse } = await import(pathToFileURL(join(dir, 'classify.mjs')).href);

  const time = (fn) => {
    for (let i = 0; i < 10_000; i++) fn(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < N; i++) fn();
    return ((performance.now() - t0) * 1000) / N;
  };
  const rows = [];
  for (const [id, family] of Object.entries(FAMILIES)) {
    const fixtures = FAMILY_FIXTURES[id];
    const success = fixtures.success ?? Object.values(fixtures).find((f) => f.expected.kind === 'success');
    const pending = Object.values(fixtures).find((f) => f.expected.kind === 'pending');
    rows.push({
      family: id,
      'success µs/read': time(() => family.read(success.data, success.taskId)).toFixed(2),
      'pending µs/read': time(() => family.read(pending.data, pending.taskId)).toFixed(2),
    });
  }
  const gpt = FAMILY_FIXTURES['gpt4o-image'].success;
  const body = JSON.stringify({ code: 200, msg: 'success', data: gpt.data });
  const parsed = JSON.parse(body).data;
  const oldPath = time(() => classifyResponse({ statusCode: 200, retryAfter: null, body }, gpt.taskId, 30_000, 0));
  const parseOnly = time(() => JSON.parse(body));
  rows.push({ family: 'old src/classify.ts (incl. JSON.parse + envelope)', 'success µs/read': oldPath.toFixed(2), 'pending µs/read': '' });
  rows.push({ family: 'JSON.parse of that body alone', 'success µs/read': parseOnly.toFixed(2), 'pending µs/read': '' });
  rows.push({ family: 'gpt4o-image read of the parsed data', 'success µs/read': time(() => FAMILIES['gpt4o-image'].read(parsed, gpt.taskId)).toFixed(2), 'pending µs/read': '' });
  console.log(`node ${process.version}, N=${N}`);
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
