import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packedFiles, root } from './pack-files.js';

/**
 * docs/ holds three kinds of page, each page one kind (plus the design pages that say how it works and why):
 * a guide walks through a job, a reference page lists, the measurements page holds every benchmark figure.
 * Each page says its kind in the line under its title, and README.md's map lists it under that kind.
 */
const KINDS = { Guide: 'Guides', Reference: 'Reference', Measurements: 'Measurements', Design: 'Design' } as const;
type Kind = keyof typeof KINDS;
const NOTE = 'paths such as `test/…` name files of the source repository, which the package does not ship';
const KIND_LINE = /^_(Guide|Reference|Measurements|Design) · \[all docs\]\(\.\.\/README\.md#documentation\)(?: · (.+))?_$/;
/** A file of the repository that the package does not contain: src/, test/, bench/, scripts/ (not a URL path). */
const REPO_PATH = /(?:^|[^/\w.-])(?:src|test|bench|scripts)\/[\w*.<-]/m;
/**
 * Figures only a measurement produces: decimal requests per task, times in µs or ns, percentiles with a value,
 * bytes per task. A guide or a reference page links to docs/performance.md instead (so no two pages quote two runs).
 */
const FIGURE = /\d(?:[\d,.]*\d)? ?(?:µs|ns)\b|\bp(?:50|95|99),? (?:of )?\d|\d+\.\d+ requests (?:per|a|\/) ?task|\d B (?:of|per)\b/;

const pages = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
const text = (file: string): string => readFileSync(join(root, file), 'utf8');

function kindLine(file: string): { kind: Kind; note: string | undefined } {
  const [title = '', blank, line = ''] = text(file).split('\n');
  expect(title, `${file}: a title first`).toMatch(/^# /);
  expect(blank, `${file}: a blank line under the title`).toBe('');
  const m = KIND_LINE.exec(line);
  if (!m) throw new Error(`${file}: the line under the title must say the page's kind, as _Guide · [all docs](../README.md#documentation)_; it is: ${line}`);
  return { kind: m[1] as Kind, note: m[2] };
}

/** README.md's "## Documentation" section: each kind's list, by the label line before it ("Guides, …:", "Reference:"). */
function readmeMap(): Map<string, Kind> {
  const readme = text('README.md');
  const section = readme.slice(readme.indexOf('\n## Documentation\n'), readme.indexOf('\n## ', readme.indexOf('\n## Documentation\n') + 5));
  const map = new Map<string, Kind>();
  let kind: Kind | undefined;
  for (const line of section.split('\n')) {
    const label = (Object.keys(KINDS) as Kind[]).find((k) => line.startsWith(KINDS[k]) && line.endsWith(':'));
    if (label) kind = label;
    for (const m of line.matchAll(/^- \[[^\]]+\]\((docs\/[\w-]+\.md)\)/g)) {
      if (kind === undefined) throw new Error(`README map: ${m[1] ?? ''} is listed before any kind`);
      expect(map.has(m[1] ?? ''), `README map lists ${m[1] ?? ''} twice`).toBe(false);
      map.set(m[1] ?? '', kind);
    }
  }
  return map;
}

let packed: Set<string>;
beforeAll(() => {
  packed = packedFiles();
}, 60_000);

describe('docs pages, each of one kind', () => {
  it.each(pages)('%s says its kind under its title, and the README map lists it under that kind', (page) => {
    const map = readmeMap();
    expect(map.get(page), `README.md's map does not list ${page} under ${kindLine(page).kind}`).toBe(kindLine(page).kind);
  });

  it('the README map names only pages that exist, with the getting-started guide first', () => {
    const map = readmeMap();
    expect([...map.keys()].filter((p) => !pages.includes(p))).toEqual([]);
    expect([...map.keys()][0]).toBe('docs/getting-started.md');
  });

  it.each(pages)('%s quotes no benchmark figure unless it is the measurements page or a design page', (page) => {
    const { kind } = kindLine(page);
    if (kind === 'Measurements' || kind === 'Design') return;
    const lines = text(page).split('\n').filter((l) => FIGURE.test(l));
    expect(lines, `${page}: figures belong in docs/performance.md; link to it`).toEqual([]);
  });
});

describe('pages in the package', () => {
  it('say at their top when they name repository files the package does not ship (src/, test/, bench/, scripts/)', () => {
    const md = [...packed].filter((f) => f.endsWith('.md'));
    expect(md).toContain('README.md');
    expect(md).toContain('docs/getting-started.md');
    for (const file of md) {
      const names = REPO_PATH.test(text(file));
      if (file === 'README.md') {
        expect(names, 'README.md names a repository file').toBe(false);
        continue;
      }
      const { note } = kindLine(file);
      expect(names ? note : undefined, `${file}: ${names ? 'names repository files without the note' : 'carries the note but names no repository file'}`).toBe(names ? NOTE : undefined);
    }
  });

  it('include every docs page, so the README map and the links between pages hold in node_modules too', () => {
    for (const page of pages) expect(packed, page).toContain(page);
  });
});
