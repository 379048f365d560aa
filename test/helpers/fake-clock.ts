import FakeTimers from '@sinonjs/fake-timers';
import type { Clock } from '../../src/clock.js';

export interface TestClock extends Clock {
  readonly fake: FakeTimers.Clock;
  /** Moves time forward in steps, letting I/O callbacks (MockAgent replies) run between steps. */
  advance(ms: number, stepMs?: number): Promise<void>;
  /** Lets pending I/O and promise callbacks run without moving time. */
  settle(): Promise<void>;
  pendingTimers(): number;
}

const EPOCH = Date.UTC(2026, 10, 21, 12, 0, 0);

/** A clock injected into the watcher only: globals stay real, so undici and vitest run normally. */
export function testClock(): TestClock {
  const fake = FakeTimers.createClock(0);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  };
  return {
    fake,
    now: () => fake.now,
    epochNow: () => EPOCH + fake.now,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (h) => fake.clearTimeout(h as FakeTimers.TimerId),
    settle,
    pendingTimers: () => fake.countTimers(),
    async advance(ms: number, stepMs = 10) {
      await settle();
      let left = ms;
      while (left > 0) {
        const step = Math.min(stepMs, left);
        fake.tick(step);
        left -= step;
        await settle();
      }
    },
  };
}

export { EPOCH };
