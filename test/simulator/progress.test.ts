import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { KieSimulator, SimulatedOutcome } from '../../src/simulator/index.js';
import { createTaskState, phaseAt, type TaskState } from '../../src/simulator/record.js';
import { renderGpt4oImage } from '../../src/simulator/wire/gpt4o-image.js';
import { T0, dataOf, getRecord, manualClock, started } from './helpers.js';

let sim: KieSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function renderRecord(task: TaskState, now: number): ReturnType<typeof renderGpt4oImage> | null {
  const phase = phaseAt(task, now);
  return phase.kind === 'invisible' ? null : renderGpt4oImage(task, phase);
}

const outcomes: SimulatedOutcome[] = ['SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED', 'NEVER'];

describe('progress', () => {
  it('stays within 0..1, never decreases, and shows 1.00 only together with SUCCESS', () => {
    fc.assert(
      fc.property(
        fc.record({
          taskId: fc.string({ minLength: 1, maxLength: 20 }),
          seed: fc.integer({ min: 0, max: 0xffffffff }),
          durationMs: fc.integer({ min: 0, max: 20 * 60_000 }),
          outcome: fc.constantFrom(...outcomes),
          progressSteps: fc.integer({ min: 0, max: 30 }),
          times: fc.array(fc.integer({ min: 0, max: 30 * 60_000 }), { minLength: 1, maxLength: 30 }),
        }),
        ({ taskId, seed, durationMs, outcome, progressSteps, times }) => {
          const task = createTaskState({ durationMs, outcome, progressSteps }, taskId, T0, seed);
          let previous = -1;
          for (const t of [...times].sort((a, b) => a - b)) {
            const data = renderRecord(task, T0 + t);
            if (!data) throw new Error('visible task rendered as null');
            const value = Number(data.progress);
            expect(data.progress).toMatch(/^[01]\.\d{2}$/);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(1);
            expect(value).toBeGreaterThanOrEqual(previous);
            expect(data.progress === '1.00').toBe(data.status === 'SUCCESS');
            previous = value;
          }
        },
      ),
    );
  });

  it('moves in at most progressSteps coarse, deterministic steps', () => {
    const task = createTaskState({ durationMs: 100_000, outcome: 'SUCCESS', progressSteps: 4 }, 't', T0, 7);
    const seen = new Set<string>();
    for (let t = 0; t < 100_000; t += 100) seen.add(renderRecord(task, T0 + t)?.progress ?? '');
    expect(seen.has('0.00')).toBe(true);
    expect(seen.size).toBeLessThanOrEqual(5);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const again = createTaskState({ durationMs: 100_000, outcome: 'SUCCESS', progressSteps: 4 }, 't', T0, 7);
    expect(renderRecord(again, T0 + 50_000)?.progress).toBe(renderRecord(task, T0 + 50_000)?.progress);
  });

  it('reaches 1.00 over HTTP only once the task is SUCCESS', async () => {
    const clock = manualClock();
    sim = await started({ now: clock.now });
    const taskId = sim.addTask({ durationMs: 8_000, outcome: 'SUCCESS', progressSteps: 6 });
    const seen: string[] = [];
    for (let t = 0; t <= 8_000; t += 1_000) {
      const data = dataOf((await getRecord(sim, taskId)).json);
      seen.push(data.progress);
      expect(data.progress === '1.00').toBe(data.status === 'SUCCESS');
      clock.advance(1_000);
    }
    expect(seen.at(-1)).toBe('1.00');
    expect(seen[0]).toBe('0.00');
  });
});
