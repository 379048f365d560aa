/** An item the heap can locate in O(1), so that it can be removed or re-keyed without a search. */
export interface HeapItem {
  heapKey: number;
  /** Tie-break: insertion order, so items due at the same time go first-in first-out (no starvation). */
  heapSeq: number;
  heapIndex: number;
}

/**
 * An indexed binary min-heap. One heap holds every task's next wake-up, so the watcher needs one timer
 * in all, not one per task.
 */
export class IndexedMinHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.#items[item.heapIndex] === item;
  }

  /** Inserts the item, or moves it if already present. */
  set(item: T, key: number): void {
    if (this.has(item)) {
      const old = item.heapKey;
      item.heapKey = key;
      if (key < old) this.#up(item.heapIndex);
      else if (key > old) this.#down(item.heapIndex);
      return;
    }
    item.heapKey = key;
    item.heapSeq = this.#seq++;
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.delete(top);
    return top;
  }

  delete(item: T): boolean {
    if (!this.has(item)) return false;
    const i = item.heapIndex;
    const last = this.#items.pop() as T;
    item.heapIndex = -1;
    if (last !== item) {
      this.#items[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    return true;
  }

  clear(): void {
    for (const item of this.#items) item.heapIndex = -1;
    this.#items.length = 0;
  }

  #less(a: T, b: T): boolean {
    return a.heapKey < b.heapKey || (a.heapKey === b.heapKey && a.heapSeq < b.heapSeq);
  }

  #swap(i: number, j: number): void {
    const a = this.#items[i] as T;
    const b = this.#items[j] as T;
    this.#items[i] = b;
    this.#items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#items[i] as T, this.#items[parent] as T)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(this.#items[l] as T, this.#items[m] as T)) m = l;
      if (r < n && this.#less(this.#items[r] as T, this.#items[m] as T)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}
