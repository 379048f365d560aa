/**
 * mulberry32: tiny, fast and good enough for test workloads. Determinism matters
 * more than quality here: a benchmark run must be reproducible from its seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, so a task's progress curve depends only on (seed, taskId), not on insertion order. */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function randomHex(rand: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) {
    out += Math.floor(rand() * 0x10000).toString(16).padStart(4, '0');
  }
  return out.slice(0, chars);
}
