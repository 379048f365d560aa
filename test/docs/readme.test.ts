import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fencedBlocks } from '../helpers/markdown.js';
import { root } from './pack-files.js';

/** The guide's rule: set-up is two commands on the README's first screen, and CI runs exactly the second. */
const DEMO = 'npm ci && npm run demo';
const TEST = 'npm ci && npm test';
const FIRST_SCREEN_LINES = 25;

describe("README.md's first screen", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('shows the two set-up commands, the demo and the whole suite, in one block', () => {
    const firstScreen = readme.split('\n').slice(0, FIRST_SCREEN_LINES).join('\n');
    const [block] = fencedBlocks(firstScreen);
    const commands = (block?.code ?? '').split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(block?.lang).toBe('sh');
    expect(commands).toEqual([DEMO, TEST]);
  });

  it('gives the test command that .ci/run runs, and nothing else there', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const steps = ci.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(?:set|cd) /.test(l));
    expect(steps).toEqual([TEST]);
  });
});
