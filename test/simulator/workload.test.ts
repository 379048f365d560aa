import { describe, expect, it } from 'vitest';
import { scriptedTasks } from '../../src/simulator/index.js';

describe('scriptedTasks', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(scriptedTasks(50, { seed: 3 })).toEqual(scriptedTasks(50, { seed: 3 }));
    expect(scriptedTasks(50, { seed: 3 })).not.toEqual(scriptedTasks(50, { seed: 4 }));
  });

  it('is a mostly-SUCCESS mix with every failure kind, within the duration bounds', () => {
    const specs = scriptedTasks(2_000, { seed: 1, failureRate: 0.2, minDurationMs: 100, maxDurationMs: 900, invisibleForMs: 50 });
    const counts = new Map<string, number>();
    for (const s of specs) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
    expect(counts.get('SUCCESS')).toBeGreaterThan(1_400);
    for (const failure of ['GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED']) expect(counts.get(failure)).toBeGreaterThan(50);
    expect(counts.has('NEVER')).toBe(false);
    for (const s of specs) {
      expect(s.durationMs).toBeGreaterThanOrEqual(100);
      expect(s.durationMs).toBeLessThanOrEqual(900);
      expect(s.invisibleForMs).toBe(50);
      expect(s.taskId).toBeUndefined();
    }
  });

  it('rejects nonsense options', () => {
    expect(() => scriptedTasks(-1)).toThrow(RangeError);
    expect(() => scriptedTasks(1, { failureRate: 2 })).toThrow(RangeError);
    expect(() => scriptedTasks(1, { minDurationMs: 10, maxDurationMs: 5 })).toThrow(RangeError);
  });
});
