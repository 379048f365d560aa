import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * `kie-watcher/callbacks` is a bundle of its own: left alone it would carry its own copy of `KieWatcherError`,
 * and `err instanceof KieWatcherError` (imported from `kie-watcher`) would be false for its errors. Importing the
 * base class from the package's main entry keeps one class hierarchy.
 */
const sharedErrors: Plugin = {
  name: 'kie-watcher-shared-errors',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/errors\.js$/ }, (args) =>
      /[\\/]src[\\/]callbacks[\\/]/.test(args.importer) ? { path: 'kie-watcher', external: true } : undefined,
    );
  },
};

/** The fleet's Lua scripts (src/redis/scripts/*.lua) are inlined as text: no file to copy or find at run time. */
const LUA_AS_TEXT = { '.lua': 'text' } as const;

export default defineConfig([
  {
    // The library and its simulator, redis, metrics and dashboard subpaths ship for both `import` and `require`; ioredis
    // and @opentelemetry/api, optional peer dependencies, stay external and are loaded only by
    // `kie-watcher/redis` and `kie-watcher/metrics`.
    entry: { index: 'src/index.ts', 'simulator/index': 'src/simulator/index.ts', 'redis/index': 'src/redis/index.ts', 'metrics/index': 'src/metrics/index.ts', 'dashboard/index': 'src/dashboard/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // Not `clean`: the configs build in parallel and a clean here could remove the others' output. The build
    // script empties dist/ first.
    target: 'node20',
    platform: 'node',
    splitting: false,
    loader: LUA_AS_TEXT,
  },
  {
    // The callbacks subpath, built apart so that it can import the main entry instead of bundling a copy of it.
    entry: { 'callbacks/index': 'src/callbacks/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    esbuildPlugins: [sharedErrors],
    loader: LUA_AS_TEXT,
  },
  {
    // The CLI is ESM only: it is run, never required.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    loader: LUA_AS_TEXT,
  },
]);
