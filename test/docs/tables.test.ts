import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './pack-files.js';

/** Each markdown table of a page: the first cell of every body row (an option, a command, a code ...). */
function tables(text: string): string[][] {
  const found: string[][] = [];
  let rows: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      rows = undefined;
      continue;
    }
    if (rows === undefined) {
      rows = [];
      found.push(rows);
      continue; // the header
    }
    if (/^\|[\s:|-]+\|$/.test(line)) continue;
    // A row's key is its whole text up to the last cell when the first cell alone repeats by design (exit codes per command).
    rows.push(line.split('|').slice(1, 3).join('|').trim());
  }
  return found;
}

/** The reference pages and the README: a row listed twice there (api.md had `expectCallbacks` twice) says one of them is stale. */
const PAGES = ['README.md', 'docs/api.md', 'docs/errors.md', 'docs/cli.md', 'docs/families.md'];

describe('reference tables', () => {
  it.each(PAGES)('%s lists each row once in every table', (page) => {
    for (const rows of tables(readFileSync(join(root, page), 'utf8'))) {
      const repeated = rows.filter((r, i) => rows.indexOf(r) !== i);
      expect(repeated, `${page}: rows listed twice`).toEqual([]);
    }
  });
});
