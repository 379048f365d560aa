// A `.lua` file imported as its text: the build (tsup.config.ts), the tests (vitest.config.ts) and the test
// bundler (test/helpers/bundle.ts) all load it with esbuild's or Vite's text loader.
declare module '*.lua' {
  const text: string;
  export default text;
}
