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
});
