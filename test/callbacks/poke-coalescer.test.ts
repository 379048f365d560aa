import { describe, expect, it } from 'vitest';
import { PokeCoalescer } from '../../src/callbacks/poke-coalescer.js';
import { TtlSet } from '../../src/callbacks/ttl-set.js';
import { testClock } from '../helpers/fake-clock.js';

function setup(intervalMs = 1000, maxTasks = 100) {
  const clock = testClock();
  const pokes: [number, string, string | undefined][] = [];
  const coalescer = new PokeCoalescer((taskId, family) => pokes.push([clock.now(), taskId, family]), intervalMs, maxTasks, clock);
  return { clock, pokes, coalescer };
}

describe('PokeCoalescer', () => {
  it('pokes the first callback at once and folds the rest of the interval into one trailing poke', () => {
    const { clock, pokes, coalescer } = setup();
    expect(coalescer.request('a', undefined)).toBe('poked');
    clock.fake.tick(100);
    expect(coalescer.request('a', 'market')).toBe('deferred');
    clock.fake.tick(100);
    expect(coalescer.request('a', undefined)).toBe('deferred');
    expect(pokes).toEqual([[0, 'a', undefined]]);
    clock.fake.tick(800);
    // The trailing poke keeps the family a later callback named.
    expect(pokes).toEqual([
      [0, 'a', undefined],
      [1000, 'a', 'market'],
    ]);
    clock.fake.tick(5_000);
    expect(pokes).toHaveLength(2);
    expect(coalescer.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('holds a steady flood to one poke per interval', () => {
    const { clock, pokes, coalescer } = setup();
    for (let t = 0; t < 10_000; t += 1) {
      coalescer.request('a', undefined);
      clock.fake.tick(1);
    }
    clock.fake.tick(2_000);
    expect(pokes.length).toBeGreaterThanOrEqual(10);
    expect(pokes.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < pokes.length; i++) expect((pokes[i]?.[0] ?? 0) - (pokes[i - 1]?.[0] ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('keeps tasks apart, with one timer for all of them', () => {
    const { clock, pokes, coalescer } = setup();
    coalescer.request('a', undefined);
    clock.fake.tick(10);
    coalescer.request('b', undefined);
    coalescer.request('a', undefined);
    coalescer.request('b', undefined);
    expect(clock.pendingTimers()).toBe(1);
    clock.fake.tick(2_000);
    expect(pokes.map(([t, id]) => `${id}@${t}`)).toEqual(['a@0', 'b@10', 'a@1000', 'b@1010']);
  });

  it('pokes every time with an interval of 0 and keeps no state', () => {
    const { clock, pokes, coalescer } = setup(0);
    for (let i = 0; i < 5; i++) coalescer.request('a', undefined);
    expect(pokes).toHaveLength(5);
    expect(coalescer.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('bounds its memory: over the cap the oldest window closes early and its trailing poke goes at once', () => {
    const { clock, pokes, coalescer } = setup(1000, 3);
    coalescer.request('a', undefined);
    coalescer.request('a', undefined);
    coalescer.request('b', undefined);
    coalescer.request('c', undefined);
    coalescer.request('d', undefined);
    expect(coalescer.size).toBe(3);
    expect(pokes.map(([, id]) => id)).toEqual(['a', 'b', 'c', 'a', 'd']);
    clock.fake.tick(5_000);
    expect(pokes).toHaveLength(5);
  });

  it('close() drops pending trailing pokes and its timer', () => {
    const { clock, pokes, coalescer } = setup();
    coalescer.request('a', undefined);
    coalescer.request('a', undefined);
    coalescer.close();
    expect(clock.pendingTimers()).toBe(0);
    clock.fake.tick(5_000);
    expect(pokes).toHaveLength(1);
  });
});

describe('TtlSet', () => {
  it('remembers a key for the TTL, then forgets it', () => {
    let now = 0;
    const set = new TtlSet(1000, 100, () => now);
    expect(set.add('k')).toBe(true);
    now = 999;
    expect(set.add('k')).toBe(false);
    now = 1000;
    expect(set.add('k')).toBe(true);
  });

  it('prunes expired keys as it goes and never holds more than its cap', () => {
    let now = 0;
    const set = new TtlSet(1000, 50, () => now);
    for (let i = 0; i < 10_000; i++) {
      set.add(`k${i}`);
      now += 1;
    }
    expect(set.size).toBeLessThanOrEqual(50);
    now += 1000;
    set.add('last');
    expect(set.size).toBe(1);
  });

  it('forgets the oldest first when full', () => {
    const set = new TtlSet(60_000, 2, () => 0);
    set.add('a');
    set.add('b');
    set.add('c');
    expect(set.add('a')).toBe(true);
    expect(set.add('c')).toBe(false);
  });
});
