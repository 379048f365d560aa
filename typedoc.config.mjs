// typedoc: `npm run docs` writes the API reference to docs/api-reference/ (git-ignored: it is generated from
// the TSDoc in src/, so a committed copy would only drift); `npm run docs:check`, part of `npm test`, runs the
// same validation without writing anything. Every warning is an error, undocumented exports included.
/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  entryPoints: ['src/index.ts', 'src/simulator/index.ts', 'src/callbacks/index.ts', 'src/redis/index.ts', 'src/metrics/index.ts', 'src/dashboard/index.ts'],
  // No public repository to link sources to (see docs/design.md, Packaging).
  disableSources: true,
  out: 'docs/api-reference',
  tsconfig: 'tsconfig.json',
  readme: 'README.md',
  excludePrivate: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  // The constructor options of the error classes; not exported on purpose (errors are made by the watcher).
  intentionallyNotExported: ['BaseOptions'],
};

export default config;
