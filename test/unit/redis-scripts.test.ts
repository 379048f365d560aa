import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CALLBACK_POKE, expandIncludes, LIST, PAUSE, POKE, REGISTER, TICK } from '../../src/redis/scripts.js';

const DIR = new URL('../../src/redis/scripts/', import.meta.url);

describe('the fleet Lua scripts', () => {
  it('open each with a KEYS / ARGV / returns header, one file per script', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.lua'));
    expect(files.sort()).toEqual(['callback-poke.lua', 'create-slot.lua', 'list.lua', 'pause.lua', 'poke.lua', 'register.lua', 'submit-key.lua', 'tick.lua']);
    for (const f of files) {
      const head = readFileSync(new URL(f, DIR), 'utf8').split(']]')[0] ?? '';
      expect(head, f).toMatch(/^--\[\[/);
      for (const word of ['KEYS', 'ARGV', 'returns']) expect(head, `${f}: ${word}`).toMatch(new RegExp(`^\\s+${word}\\s`, 'm'));
    }
  });

  it('are sent with every include expanded once and no include line left', () => {
    for (const s of [REGISTER, TICK, POKE, PAUSE, LIST, CALLBACK_POKE]) {
      expect(s.source).not.toMatch(/@include/);
      expect(s.source.match(/local function ms_now\(\)/g)).toHaveLength(1);
    }
    expect(TICK.source).toMatch(/local function gcra\(/);
  });

  it('refuses an unknown include and expands a repeated one once', () => {
    expect(() => expandIncludes('--- @include "nope"\n', {})).toThrow(/unknown Lua include "nope"/);
    expect(expandIncludes('--- @include "a"\n--- @include "a"\nx', { a: 'A' })).toBe('A\n\nx');
  });
});
