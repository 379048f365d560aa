import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { fencedBlocks } from '../helpers/markdown.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let dir = '';

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

// What a user does: npm pack, install the tarball in an empty project, then import / require it.
// dist/ is built from the current sources by the `dist` project's globalSetup (test/build-dist.ts).
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kie-watcher-pack-'));
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], root);
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tgz)], dir);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const script = (code: string, ext: string): string => {
  const file = join(dir, `check.${ext}`);
  writeFileSync(file, code);
  return run('node', [file], dir).trim();
};

describe('the packed tarball', () => {
  it('works from import, watching a task on the packaged simulator', () => {
    const out = script(
      `import { TaskWatcher, TaskFailedError, VERSION } from 'kie-watcher';
       import { startSimulator } from 'kie-watcher/simulator';
       const sim = await startSimulator({ apiKey: 'k' });
       const [id] = sim.addTasks([{ durationMs: 200, outcome: 'SUCCESS' }]);
       const w = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url, policy: 'fastest' });
       const r = await w.waitForCompletion(id);
       await w.close(); await sim.close();
       console.log(JSON.stringify({ status: r.status, urls: r.resultUrls.length, failed: typeof TaskFailedError, VERSION }));`,
      'mjs',
    );
    expect(JSON.parse(out)).toMatchObject({ status: 'SUCCESS', urls: 1, failed: 'function' });
  });

  it('works from require, with the same classes', () => {
    const out = script(
      `const { TaskWatcher, KieWatcherError, WatchTimeoutError } = require('kie-watcher');
       const { startSimulator } = require('kie-watcher/simulator');
       (async () => {
         const sim = await startSimulator({ apiKey: 'k' });
         const [id] = sim.addTasks([{ durationMs: 60_000, outcome: 'SUCCESS' }]);
         const w = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url });
         const e = await w.waitForCompletion(id, { timeoutMs: 300 }).catch((x) => x);
         await w.close(); await sim.close();
         console.log(JSON.stringify({ timeout: e instanceof WatchTimeoutError, base: e instanceof KieWatcherError, code: e.code }));
       })();`,
      'cjs',
    );
    expect(JSON.parse(out)).toEqual({ timeout: true, base: true, code: 'KIE_WATCH_TIMEOUT' });
  });

  it('ships kie-watcher/callbacks for import and require, its errors extending the main entry\'s KieWatcherError', () => {
    const check = (code: string, ext: string): unknown => JSON.parse(script(code, ext));
    const body = `try { verifyKieCallback({ headers: {}, rawBody: '[]' }); } catch (e) {
         console.log(JSON.stringify({ base: e instanceof KieWatcherError, own: e instanceof CallbackRejectedError, code: e.code, handler: typeof createCallbackHandler }));
       }`;
    const expected = { base: true, own: true, code: 'KIE_CALLBACK_REJECTED', handler: 'function' };
    expect(
      check(`import { KieWatcherError } from 'kie-watcher';
       import { verifyKieCallback, CallbackRejectedError, createCallbackHandler } from 'kie-watcher/callbacks';
       ${body}`, 'mjs'),
    ).toEqual(expected);
    expect(
      check(`const { KieWatcherError } = require('kie-watcher');
       const { verifyKieCallback, CallbackRejectedError, createCallbackHandler } = require('kie-watcher/callbacks');
       ${body}`, 'cjs'),
    ).toEqual(expected);
  });

  it('ships kie-watcher/metrics for import and require; it needs @opentelemetry/api, the core does not', () => {
    // The optional peer dependency is not installed by npm: the core loads without it, the subpath names it.
    expect(existsSync(join(dir, 'node_modules/@opentelemetry/api'))).toBe(false);
    expect(script(`require('kie-watcher'); require('kie-watcher/simulator'); console.log('core ok');`, 'cjs')).toBe('core ok');
    expect(script(`try { require('kie-watcher/metrics'); } catch (e) { console.log(e.code, e.message.includes("'@opentelemetry/api'")); }`, 'cjs')).toBe('MODULE_NOT_FOUND true');

    // As a user who installed it (and an SDK): linked from this repository's node_modules.
    symlinkSync(join(root, 'node_modules/@opentelemetry'), join(dir, 'node_modules/@opentelemetry'), 'dir');
    const body = (load: string): string => `${load}
       const sim = await startSimulator({ apiKey: 'k' });
       const [id] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS' }]);
       const w = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url });
       class Reader extends MetricReader { async onShutdown() {} async onForceFlush() {} }
       const reader = new Reader();
       const provider = new MeterProvider({ readers: [reader] });
       const m = instrumentKieWatcher({ meter: provider.getMeter('t'), watcher: w });
       await w.waitForCompletion(id);
       const { resourceMetrics } = await reader.collect();
       const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((x) => x.descriptor.name)).sort();
       m.close(); await w.close(); await sim.close(); await provider.shutdown();
       console.log(JSON.stringify({ names, requests: METRICS.requests }));`;
    const expected = {
      names: ['kie_watcher.poll.answers', 'kie_watcher.poll.duration', 'kie_watcher.poll.in_flight', 'kie_watcher.poll.requests', 'kie_watcher.tasks.pending', 'kie_watcher.tasks.settled'],
      requests: 'kie_watcher.poll.requests',
    };
    const esm = script(
      body(`import { TaskWatcher } from 'kie-watcher';
       import { startSimulator } from 'kie-watcher/simulator';
       import { instrumentKieWatcher, METRICS } from 'kie-watcher/metrics';
       import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';`),
      'mjs',
    );
    expect(JSON.parse(esm)).toEqual(expected);
    const cjs = script(
      `(async () => { ${body(`const { TaskWatcher } = require('kie-watcher');
       const { startSimulator } = require('kie-watcher/simulator');
       const { instrumentKieWatcher, METRICS } = require('kie-watcher/metrics');
       const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');`)} })();`,
      'cjs',
    );
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  /** The quickstart of each page, found under its heading: the first `js` block after it. */
  const quickstarts = (
    [
      ['README.md', '## Quickstart: create, wait, save'],
      ['docs/getting-started.md', '## 3. Create a task, wait for it, save its files'],
    ] as const
  ).map(([page, heading]) => {
    const text = readFileSync(join(root, page), 'utf8');
    const at = text.indexOf(`\n${heading}\n`);
    const block = at === -1 ? undefined : fencedBlocks(text.slice(at)).find((b) => b.lang === 'js');
    return [page, block?.code ?? ''] as const;
  });

  it.each(quickstarts)('runs the quickstart of %s as written, in a project that installed the package', (page, code) => {
    expect(code, `${page}: no js block under its quickstart heading`).toContain("from 'kie-watcher'");
    const work = mkdtempSync(join(dir, 'quickstart-'));
    writeFileSync(join(work, 'quickstart.mjs'), code);
    // node_modules is one folder up, where a user's project has it; the files land beside the script.
    const out = execFileSync('node', ['quickstart.mjs'], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    // `console.log(id, [path])`: util.inspect breaks the array over lines when the path is long.
    const [, taskId = '', path = ''] = /^(\S+) \[\s*'([^']+)'\s*\]$/.exec(out.trim()) ?? [];
    expect(path, out).toBe(join(work, 'kie-results', `${taskId}-0.png`));
    expect(readFileSync(path).subarray(1, 4).toString('latin1'), 'a PNG file').toBe('PNG');
  }, 90_000);

  it('ships the MIT license and the examples, which run from the installed package', () => {
    const pkg = join(dir, 'node_modules/kie-watcher');
    const license = readFileSync(join(pkg, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 kie-watcher contributors\n/);
    expect(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'))).toMatchObject({ license: 'MIT' });
    // The README's command for a registry reader.
    expect(run('node', ['node_modules/kie-watcher/examples/wait.mjs'], dir)).toMatch(/done: \[ 'https:\/\/example\.invalid\//);
  });

  it('lists LICENSE, docs and examples in npm pack --dry-run, and no build stamp or generated reference', () => {
    const [report] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as [{ files: { path: string }[]; size: number; unpackedSize: number }];
    const files = report.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'docs/api.md', 'examples/wait.mjs', 'dist/index.js', 'dist/cli/main.js']));
    expect(files.filter((f) => f.includes('.build-hash') || f.startsWith('docs/api-reference/'))).toEqual([]);
    // README, "What is in the package", says how big it is: within 15% of what npm pack reports.
    const stated = /about\s+([\d.]+) kB packed,\s+([\d.]+) MB unpacked/.exec(readFileSync(join(root, 'README.md'), 'utf8'));
    const [packedKb, unpackedMb] = [Number(stated?.[1]), Number(stated?.[2])];
    expect(Math.abs(report.size / 1000 / packedKb - 1), `README says about ${packedKb} kB packed; it is ${report.size} B`).toBeLessThan(0.15);
    expect(Math.abs(report.unpackedSize / 1e6 / unpackedMb - 1), `README says about ${unpackedMb} MB unpacked; it is ${report.unpackedSize} B`).toBeLessThan(0.15);
    // No source maps (README, "What is in the package"): the output is unminified and readable as it is.
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('loads neither pino nor any optional peer on import: only its own files, undici and zod (pino is bundled into the bin)', () => {
    // Without the dependency, npm never installs it for a library user.
    expect(existsSync(join(dir, 'node_modules/pino'))).toBe(false);
    // Every module the ESM loader resolves, reported from the hooks thread.
    writeFileSync(join(dir, 'hooks.mjs'), `let port;
      export function initialize(data) { port = data.port; }
      export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }`);
    const loaded = (entry: string): string[] => {
      const out = script(
        `import { register } from 'node:module';
         import { MessageChannel } from 'node:worker_threads';
         const { port1, port2 } = new MessageChannel();
         const urls = new Set();
         port1.on('message', (u) => urls.add(u));
         port1.unref();
         register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
         await import('${entry}');
         await new Promise((r) => setTimeout(r, 100));
         console.log(JSON.stringify([...urls]));`,
        'mjs',
      );
      return JSON.parse(out) as string[];
    };
    const packagesOf = (urls: string[]): string[] =>
      [...new Set(urls.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(u)?.[1] ?? (u.startsWith('node:') ? 'node:' : 'other')))].sort();
    const main = loaded('kie-watcher');
    expect(packagesOf(main)).toEqual(['kie-watcher', 'node:', 'undici', 'zod']);
    const forbidden = /node_modules\/(pino|thread-stream|sonic-boom|ioredis|@opentelemetry)\b/;
    expect(main.filter((u) => forbidden.test(u))).toEqual([]);
    // The bin carries pino for --verbose: a JSON log line on stderr, without pino installed.
    const verbose = spawnSync('npx', ['--no-install', 'kie-watch', 'demo', '--tasks', '1', '--speed', '20', '--verbose'], { cwd: dir, encoding: 'utf8' });
    expect(verbose.status).toBe(0);
    expect(verbose.stderr).toMatch(/^\{"level":30,.*"msg":"kie simulator listening"\}$/m);
  });

  it('resolves every subpath\'s types under moduleResolution node10 (typesVersions), as NestJS-era projects compile', () => {
    const file = join(dir, 'node10.ts');
    writeFileSync(
      file,
      `import { TaskWatcher, type WatchResult } from 'kie-watcher';
       import { startSimulator, type KieSimulator } from 'kie-watcher/simulator';
       import { verifyKieCallback } from 'kie-watcher/callbacks';
       import type { RedisCoordinator } from 'kie-watcher/redis';
       import type { instrumentKieWatcher } from 'kie-watcher/metrics';
       import { createDashboard } from 'kie-watcher/dashboard';
       export const all: [typeof TaskWatcher, typeof startSimulator, typeof verifyKieCallback, typeof createDashboard] = [TaskWatcher, startSimulator, verifyKieCallback, createDashboard];
       export type T = [WatchResult, KieSimulator, RedisCoordinator, typeof instrumentKieWatcher];`,
    );
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      types: [],
      typeRoots: [join(root, 'node_modules/@types')],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    expect(errors).toEqual([]);
  });

  it('ships type declarations for both module systems and the kie-watch bin', () => {
    const pkg = join(dir, 'node_modules/kie-watcher');
    for (const f of ['dist/index.d.ts', 'dist/index.d.cts', 'dist/simulator/index.d.ts', 'dist/simulator/index.d.cts', 'dist/callbacks/index.d.ts', 'dist/callbacks/index.d.cts', 'dist/metrics/index.d.ts', 'dist/metrics/index.d.cts', 'dist/dashboard/index.d.ts', 'dist/dashboard/index.d.cts', 'dist/cli/main.js']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    expect(run('npx', ['--no-install', 'kie-watch', '--version'], dir).trim()).toMatch(/\d+\.\d+\.\d+/);
  });
});
