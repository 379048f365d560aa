import { defineConfig } from 'vitest/config';

/** Tests of what a user installs: the built bin, the packed tarball, the examples and docs run against dist/. */
const DIST_TESTS = ['test/cli/bin.test.ts', 'test/cli/generate-bin.test.ts', 'test/cli/demo-workers.test.ts', 'test/e2e/dual-package.test.ts', 'test/reliability/embedding.test.ts', 'test/e2e/examples.test.ts', 'test/e2e/error-event.test.ts', 'test/e2e/pack.test.ts', 'test/e2e/demo-script.test.ts', 'test/e2e/download-kill.test.ts', 'test/docs/**/*.test.ts', 'test/dashboard/cli.test.ts', 'test/dashboard/demo.test.ts'];

export default defineConfig({
  // Tests run the sources: a `.lua` import is the file's text, as the build's esbuild text loader makes it.
  plugins: [{ name: 'lua-text', transform: (code: string, id: string) => (id.endsWith('.lua') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined) }],
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The e2e tests start real servers and child processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'src',
          include: ['test/**/*.test.ts'],
          exclude: DIST_TESTS,
          // Always on: the public types are part of what is tested, not an extra to remember a flag for.
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'dist',
          include: DIST_TESTS,
          // Rebuilds dist/ when it is older than the sources, so these never test a stale build.
          globalSetup: ['test/build-dist.ts'],
        },
      },
    ],
  },
});
