import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexedMinHeap, type HeapItem } from '../../src/heap.js';

type Item = HeapItem & { id: number };
const item = (id: number): Item => ({ id, heapKey: 0, heapSeq: 0, heapIndex: -1 });

describe('IndexedMinHeap', () => {
  it('pops by key, first-in first-out among equal keys, after any mix of inserts, re-keys and deletes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('set', 'delete'), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 10 })), { maxLength: 200 }),
        (ops) => {
          const heap = new IndexedMinHeap<Item>();
          const items = Array.from({ length: 31 }, (_, i) => item(i));
          const model = new Map<number, { key: number; seq: number }>();
          let seq = 0;
          for (const [op, id, key] of ops) {
            const it = items[id] as Item;
            if (op === 'set') {
              heap.set(it, key);
              const prev = model.get(id);
              model.set(id, { key, seq: prev ? prev.seq : seq++ });
            } else {
              expect(heap.delete(it)).toBe(model.delete(id));
            }
          }
          const expected = [...model.entries()].sort((a, b) => a[1].key - b[1].key || a[1].seq - b[1].seq).map(([id]) => id);
          const got: number[] = [];
          for (let top = heap.pop(); top; top = heap.pop()) got.push(top.id);
          expect(got).toEqual(expected);
          expect(heap.size).toBe(0);
        },
      ),
    );
  });
});
