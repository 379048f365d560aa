import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, run by `npm run check:structure` too; no declaration file.
import { check, MAX_LINES } from '../../scripts/structure.mjs';

interface Report {
  longFiles: { file: string; lines: number }[];
  cycles: string[][];
}
const run = check as (root?: string) => Report;

describe('the shape of src/', () => {
  const report = run();

  it(`has no file over ${MAX_LINES as number} lines`, () => {
    expect(report.longFiles).toEqual([]);
  });

  it('has no import cycle, type-only imports and re-exports included', () => {
    expect(report.cycles).toEqual([]);
  });
});

describe('the structure check itself', () => {
  it('finds a cycle made only of type imports and re-exports, and a file one line over the limit', () => {
    const root = mkdtempSync(join(tmpdir(), 'structure-'));
    try {
      mkdirSync(join(root, 'src/a'), { recursive: true });
      writeFileSync(join(root, 'src/a/x.ts'), "import type { Y } from '../y.js';\nexport type X = Y;\n");
      writeFileSync(join(root, 'src/y.ts'), "export type { X as Y } from './a/x.js';\n");
      writeFileSync(join(root, 'src/z.ts'), "import { w } from './w.js';\n" + 'export const z = 1;\n'.repeat(MAX_LINES as number));
      writeFileSync(join(root, 'src/w.ts'), 'export const w = 1;\n');
      const found = run(root);
      expect(found.cycles).toEqual([['src/a/x.ts', 'src/y.ts']]);
      expect(found.longFiles).toEqual([{ file: 'src/z.ts', lines: (MAX_LINES as number) + 1 }]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
