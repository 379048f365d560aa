/**
 * Who owns what in the engine, read from the sources: a request begins and ends in one module, the counters of
 * `stats()` are one object, and the decision module imports nothing with effects. A change that moves one of
 * these back into a second place fails here before it confuses a reader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}
const files = sources(join(root, 'src')).map((f) => ({ file: relative(root, f), text: readFileSync(f, 'utf8') }));
const where = (re: RegExp, under = 'src/'): string[] => files.filter((f) => f.file.startsWith(under) && re.test(f.text)).map((f) => f.file);

describe('the engine has one home for each part of a request', () => {
  it('only src/engine/request.ts marks a request in flight or ended', () => {
    expect(where(/\binFlight\s*=\s*(true|false)\b/)).toEqual(['src/engine/request.ts']);
  });

  it('the counters of stats() are counted through the one Stats object, nowhere bumped as fields', () => {
    // (The fleet's heartbeat and the simulator keep counters of their own.)
    expect(where(/\bcounters\.(requests|polls|retries|rateLimited|completed|failed|timedOut|aborted)\s*(\+=|\+\+|=)/, 'src/engine/')).toEqual([]);
    expect(where(/stats\.count\('requests'\)/)).toEqual(['src/engine/request.ts']);
  });

  it('decide.ts imports no part with effects (registry, scheduler, notifier, admission, transport client, the clock)', () => {
    const text = files.find((f) => f.file === 'src/engine/decide.ts')?.text ?? '';
    const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    for (const bad of ['registry', 'scheduler', 'notifier', 'admission', 'client.js', 'answers']) expect(imports.filter((i) => i?.includes(bad))).toEqual([]);
    expect(text).not.toMatch(/\b(Date\.now|performance\.now|setTimeout|Math\.random)\b/);
  });

  it('watch(), wait() and updates() share one interest path: one call adds an interest, one checks a known outcome', () => {
    const engine = files.find((f) => f.file === 'src/engine/engine.ts')?.text ?? '';
    expect(engine.match(/registry\.addInterest\(/g)).toHaveLength(1);
    expect(engine.match(/this\.known\(/g)).toHaveLength(1);
    expect(engine.match(/registry\.attachSignal\(/g)).toHaveLength(1);
  });
});
