import { defineConfig } from 'tsup';

/** The fleet's Lua scripts (src/redis/scripts/*.lua) are inlined as text: no file to copy or find at run time. */
const LUA_AS_TEXT = { '.lua': 'text' } as const;

/**
 * No source maps: they were 2.4 MB of the 4 MB unpacked, and the output is plain unminified ES2022 with the
 * sources' names, readable in a stack trace as it is (README, "What is in the package").
 */
export default defineConfig([
  {
    // The library and its subpaths ship for both `import` and `require`; ioredis and @opentelemetry/api, optional
    // peer dependencies, stay external and are loaded only by `kie-watcher/redis` and `kie-watcher/metrics`.
    // Each entry bundles its own copy of the error classes: their `Symbol.for` brand makes `instanceof` hold
    // across the copies (test/e2e/dual-package.test.ts), so no entry needs to import another.
    entry: {
      index: 'src/index.ts',
      'simulator/index': 'src/simulator/index.ts',
      'callbacks/index': 'src/callbacks/index.ts',
      'redis/index': 'src/redis/index.ts',
      'metrics/index': 'src/metrics/index.ts',
      'dashboard/index': 'src/dashboard/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: false,
    // Not `clean`: the configs build in parallel and a clean here could remove the others' output. The build
    // script empties dist/ first.
    target: 'node20',
    platform: 'node',
    splitting: false,
    loader: LUA_AS_TEXT,
  },
  {
    // The CLI is ESM only: it is run, never required.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: false,
    target: 'node20',
    platform: 'node',
    // pino is the CLI's own: bundled in, so that the library never installs nor loads it. It is CommonJS and
    // requires Node built-ins, which an ESM bundle can only do through a `require` of its own.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __kieCreateRequire } from 'node:module';\nconst require = __kieCreateRequire(import.meta.url);" },
    noExternal: ['pino'],
    loader: LUA_AS_TEXT,
  },
]);
