import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkTargets } from '../helpers/markdown.js';
import { packedFiles, root } from './pack-files.js';

/** Hosts that serve a published package's files: a link there names one version and breaks on a clone. */
const CDN = /^https?:\/\/(?:unpkg\.com|cdn\.jsdelivr\.net|esm\.sh|cdn\.skypack\.dev|www\.npmjs\.com\/package)\//;
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

/**
 * README.md links relative to the repository (docs/design.md, "Packaging"): they work on a clone, on a forge and
 * in node_modules/kie-watcher alike, since every page they name is also in the package.
 */
describe('README links', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('are relative, or to another site, never to a package CDN', () => {
    const targets = linkTargets(readme);
    expect(targets.length).toBeGreaterThan(5);
    for (const target of targets) {
      expect(target, 'a CDN link names one version and leaves a clone').not.toMatch(CDN);
      if (/^https?:\/\//.test(target)) continue;
      expect(target, 'relative to the repository root, without ./ or /').toMatch(/^(?:docs|examples)\/|^LICENSE$|^#/);
    }
  });

  it('name files the repository has and npm pack ships, and headings that exist', () => {
    for (const target of linkTargets(readme).filter((t) => !/^https?:\/\//.test(t))) {
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? 'README.md' : normalize(path);
      expect(existsSync(join(root, file)), `${target}: not in the repository`).toBe(true);
      const shipped = packed.has(file) || [...packed].some((f) => f.startsWith(`${file}/`));
      expect(shipped, `${target}: not in the package`).toBe(true);
      checkAnchor(file, anchor);
    }
  });
});

describe('links inside docs/*.md', () => {
  it.each(docs)('%s: relative, to files the package ships', (doc) => {
    const text = readFileSync(join(root, 'docs', doc), 'utf8');
    for (const target of linkTargets(text)) {
      expect(target, `${doc}: a CDN link names one version and leaves a clone`).not.toMatch(CDN);
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
