import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library and its simulator and redis subpaths ship for both `import` and `require`; ioredis, an
    // optional peer dependency, stays external and is loaded only by `kie-watcher/redis`.
    entry: { index: 'src/index.ts', 'simulator/index': 'src/simulator/index.ts', 'redis/index': 'src/redis/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
  },
  {
    // The CLI is ESM only: it is run, never required.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
