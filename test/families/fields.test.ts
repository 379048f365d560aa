import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCode, readInteger, readJson, readProgress, readText, readTime, readTimeMs, readUrls } from '../../src/families/fields.js';

describe('readTime', () => {
  it.each([
    ['epoch ms as a number', 1672561200000, { ms: 1672561200000, zoned: true }],
    ['epoch ms as a digit text', '1672561200000', { ms: 1672561200000, zoned: true }],
    ['epoch 0', 0, { ms: 0, zoned: true }],
    ['a zone-less text, read as UTC and flagged', '2025-06-06 10:25:00', { ms: Date.UTC(2025, 5, 6, 10, 25, 0), zoned: false }],
    ['a zone-less text with a T', '2025-06-06T10:25:00', { ms: Date.UTC(2025, 5, 6, 10, 25, 0), zoned: false }],
    ['ISO-8601 with Z', '2024-03-20T10:30:00Z', { ms: Date.UTC(2024, 2, 20, 10, 30, 0), zoned: true }],
    ['ISO-8601 with Z and milliseconds', '2024-03-20T10:30:00.123Z', { ms: Date.UTC(2024, 2, 20, 10, 30, 0, 123), zoned: true }],
    ['ISO-8601 with microseconds', '2024-03-20T10:30:00.123456Z', { ms: Date.UTC(2024, 2, 20, 10, 30, 0, 123), zoned: true }],
    ['ISO-8601 with a positive offset', '2024-03-20T18:30:00+08:00', { ms: Date.UTC(2024, 2, 20, 10, 30, 0), zoned: true }],
    ['ISO-8601 with a negative offset without colon', '2024-03-20T05:30:00-0500', { ms: Date.UTC(2024, 2, 20, 10, 30, 0), zoned: true }],
    ['ISO-8601 with an hour-only offset', '2024-03-20T12:30:00+02', { ms: Date.UTC(2024, 2, 20, 10, 30, 0), zoned: true }],
    ['ISO-8601 with offset and milliseconds', '2024-03-20T10:30:00.500+00:00', { ms: Date.UTC(2024, 2, 20, 10, 30, 0, 500), zoned: true }],
    ['surrounding whitespace', ' 2024-03-20T10:30:00Z ', { ms: Date.UTC(2024, 2, 20, 10, 30, 0), zoned: true }],
  ])('reads %s', (_, value, expected) => {
    expect(readTime(value)).toEqual(expected);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty text', ''],
    ['a date without a time', '2024-03-20'],
    ['a calendar-invalid date', '2025-02-30 10:00:00'],
    ['an hour of 24', '2025-01-01 24:00:00'],
    ['a zone after a space-separated time', '2025-01-01 10:00:00Z'],
    ['a locale text', 'Wed, 20 Mar 2024 10:30:00 GMT'],
    ['garbage', 'soon'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a negative number', -1],
    ['beyond what Date holds', 9e15],
    ['a boolean', true],
    ['an object', { ms: 1 }],
    ['an offset of 25 hours', '2024-03-20T10:30:00+25:00'],
  ])('gives null for %s', (_, value) => {
    expect(readTime(value)).toBeNull();
  });

  it('readTimeMs keeps only the epoch ms', () => {
    expect(readTimeMs('2024-03-20T10:30:00Z')).toBe(Date.UTC(2024, 2, 20, 10, 30, 0));
    expect(readTimeMs('nope')).toBeNull();
  });

  it('agrees with Date.parse on every ISO-8601 text with Z', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), (d) => {
        expect(readTime(d.toISOString())).toEqual({ ms: d.getTime(), zoned: true });
        expect(readTime(d.toISOString().replace(/\.\d{3}Z$/, 'Z'))?.ms).toBe(Math.floor(d.getTime() / 1000) * 1000);
      }),
    );
  });

  it('never throws and only returns finite non-negative ms', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.double(), fc.integer(), fc.jsonValue()), (v) => {
        const t = readTime(v);
        if (t !== null) {
          expect(Number.isFinite(t.ms)).toBe(true);
          expect(t.ms).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe('readProgress', () => {
  it.each([
    ['a fraction text', '0.48', 0.48],
    ['a fraction number', 0.48, 0.48],
    ['the documented minimum', '0.00', 0],
    ['the documented maximum', '1.00', 1],
    ['exactly 1 as a number (1.0, not 1 %)', 1, 1],
    ['a percent text', '48%', 0.48],
    ['a percent text with a space', ' 48 % ', 0.48],
    ['100%', '100%', 1],
    ['a number in (1, 100] as a percentage', 48, 0.48],
    ['a text in (1, 100] as a percentage', '48', 0.48],
    ['100 as a percentage', 100, 1],
    ['above 100, clamped', 150, 1],
    ['above 100 %, clamped', '120%', 1],
    ['a negative number, clamped', -0.2, 0],
    ['a fraction percentage', '0.5%', 0.005],
  ])('reads %s', (_, value, expected) => {
    expect(readProgress(value)).toBeCloseTo(expected, 10);
  });

  it.each([
    ['null', null],
    ['an empty text', ''],
    ['whitespace', '   '],
    ['garbage', 'half'],
    ['a lone percent sign', '%'],
    ['NaN', Number.NaN],
    ['the text NaN', 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a hex text', '0x10'],
    ['an exponent text', '1e3'],
    ['a boolean', true],
    ['an array', [0.5]],
  ])('gives null for %s', (_, value) => {
    expect(readProgress(value)).toBeNull();
  });

  it('always lands in 0..1 or null', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.string(), fc.jsonValue()), (v) => {
        const p = readProgress(v);
        if (p !== null) {
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

describe('readJson', () => {
  it('parses a JSON text', () => {
    expect(readJson('{"resultUrls":["https://x"]}')).toEqual({ resultUrls: ['https://x'] });
  });
  it('gives null for a text that is not JSON, without throwing', () => {
    expect(readJson('{"resultUrls":["https://x"')).toBeNull();
    expect(readJson('')).toBeNull();
    expect(readJson('   ')).toBeNull();
    expect(readJson('<html>')).toBeNull();
    expect(readJson('undefined')).toBeNull();
  });

  it('parses every kind of JSON text, not only objects', () => {
    expect(readJson(' [1] ')).toEqual([1]);
    expect(readJson('"text"')).toBe('text');
    expect(readJson('-1.5')).toBe(-1.5);
    expect(readJson('true')).toBe(true);
    expect(readJson('null')).toBeNull();
  });

  it('agrees with JSON.parse on arbitrary texts', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        let expected: unknown = null;
        try {
          expected = JSON.parse(text) as unknown;
        } catch {
          expected = null;
        }
        expect(readJson(text)).toEqual(expected);
      }),
    );
  });
  it('keeps an object or array sent already parsed', () => {
    const obj = { a: 1 };
    expect(readJson(obj)).toBe(obj);
    expect(readJson([1])).toEqual([1]);
  });
  it('gives null for numbers, booleans and null', () => {
    expect(readJson(1)).toBeNull();
    expect(readJson(true)).toBeNull();
    expect(readJson(null)).toBeNull();
  });
  it('does not let a __proto__ key reach any prototype', () => {
    const parsed = readJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
  });
});

describe('integers, codes, texts, URL lists', () => {
  it.each([
    [2, 2],
    ['2', 2],
    [' 3 ', 3],
    ['-1', -1],
    [2.5, null],
    ['2.5', null],
    ['', null],
    ['abc', null],
    [null, null],
    [Number.NaN, null],
    [2 ** 60, null],
  ])('readInteger(%j) is %j', (value, expected) => {
    expect(readInteger(value)).toBe(expected);
  });

  it('reads codes as numbers when numeric, texts as sent otherwise, empty as none', () => {
    expect(readCode(422)).toBe(422);
    expect(readCode('500')).toBe(500);
    expect(readCode('CONTENT_POLICY')).toBe('CONTENT_POLICY');
    expect(readCode('')).toBeNull();
    expect(readCode(null)).toBeNull();
  });

  it('treats an empty text as none', () => {
    expect(readText('')).toBeNull();
    expect(readText('x')).toBe('x');
    expect(readText(1)).toBeNull();
  });

  it('keeps only non-empty URL texts and accepts a lone text', () => {
    expect(readUrls(['https://a', '', '  ', 3, null, 'https://b'])).toEqual(['https://a', 'https://b']);
    expect(readUrls('https://a')).toEqual(['https://a']);
    expect(readUrls('')).toEqual([]);
    expect(readUrls({ 0: 'https://a' })).toEqual([]);
  });
});
