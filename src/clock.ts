/** The time source and the one timer the scheduler uses; inject a fake one to drive time in tests. */
export interface Clock {
  /** Monotonic ms. */
  now(): number;
  /** Epoch ms (for task ages, `Retry-After` dates and the rate limiter, whose state may be shared). */
  epochNow(): number;
  /** Runs `fn` once after `ms`; the returned handle is only ever passed back to `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer armed by this clock's `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/** Node caps timers at 2^31-1 ms and fires over-long ones at once; longer waits re-arm. */
export const MAX_TIMER_MS = 2 ** 31 - 2;

/** Looks globals up at call time, so `@sinonjs/fake-timers` installed after construction still applies. */
export const systemClock: Clock = {
  now: () => performance.now(),
  // The process's time origin plus monotonic time: epoch-based, but never stepped by NTP, so a wall-clock jump
  // cannot let a rate-limited request out early.
  epochNow: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms))),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
