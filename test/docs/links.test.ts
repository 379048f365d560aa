import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkTargets } from '../helpers/markdown.js';
import { packedFiles, root } from './pack-files.js';

const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
/**
 * There is no public repository, so the registry page has no base for relative links: the README links to the
 * package's own published files, by version (docs/design.md, "Packaging").
 */
const PUBLISHED = `https://unpkg.com/kie-watcher@${version}/`;
const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));

let packed: Set<string>;
beforeAll(() => {
  packed = packedFiles();
}, 60_000);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const headings = markdown.split('\n').filter((l) => /^#{1,6} /.test(l));
  return new Set(headings.map((h) => h.replace(/^#+ /, '').toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')));
}

function checkAnchor(file: string, anchor: string | undefined): void {
  if (anchor === undefined || !file.endsWith('.md')) return;
  expect(anchors(readFileSync(join(root, file), 'utf8')), `#${anchor} in ${file}`).toContain(anchor);
}

describe('README links resolve for a registry reader', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('link to this version of the package, never relative', () => {
    const targets = linkTargets(readme);
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) {
      if (target.startsWith('https://unpkg.com/')) expect(target.startsWith(PUBLISHED), `${target} is not ${PUBLISHED}…`).toBe(true);
      else expect(target, 'a relative README link breaks on the registry page').toMatch(/^https:\/\//);
    }
  });

  it('name files that npm pack ships', () => {
    for (const target of linkTargets(readme).filter((t) => t.startsWith(PUBLISHED))) {
      const [path = '', anchor] = target.slice(PUBLISHED.length).split('#');
      expect(packed, target).toContain(path);
      checkAnchor(path, anchor);
    }
  });
});

describe('links inside docs/*.md', () => {
  it.each(docs)('%s: relative, to files the package ships', (doc) => {
    const text = readFileSync(join(root, 'docs', doc), 'utf8');
    for (const target of linkTargets(text)) {
      if (/^https?:\/\//.test(target)) continue;
      const [rel = '', anchor] = target.split('#');
      // A bare anchor points into the page itself.
      const file = rel === '' ? `docs/${doc}` : normalize(join(dirname(`docs/${doc}`), rel));
      // A folder (../examples) resolves when the package ships files in it.
      const shipped = packed.has(file) || [...packed].some((f) => f.startsWith(`${file}/`));
      expect(shipped, `${doc} links to ${target}, which the package does not ship`).toBe(true);
      checkAnchor(file, anchor);
    }
  });
});
