// A compressed clock for the watcher: `timeScale` provider-milliseconds pass per wall-clock millisecond.
// The watcher takes a Clock (src/clock.ts), so every delay it computes (policy, rate limiter, retries,
// deadlines) is in provider time and only the real timer underneath is shortened. The simulator process
// uses the same formula from the same origin t0, so both sides agree on "now" to within the skew of the
// two processes' calibrations (tens of microseconds of wall time).
import { performance } from 'node:perf_hooks';

/**
 * performance.timeOrigin can be off from the system clock by a millisecond or more, which the compression
 * multiplies (x20 = 20 ms). Date.now() is exact but ticks in whole ms: sampled across a tick,
 * max(Date.now() - performance.now()) is the true offset to within microseconds, and every process that
 * calibrates this way agrees with the others.
 */
function calibrate() {
  let offset = -Infinity;
  const start = performance.now();
  while (performance.now() - start < 3) {
    const d = Date.now() - performance.now();
    if (d > offset) offset = d;
  }
  return offset;
}
const OFFSET = calibrate();

/** Wall-clock epoch ms with sub-millisecond resolution. */
export const wallMs = () => OFFSET + performance.now();

/** Provider-time epoch ms for a given origin and scale (the formula bench/sim-process.mjs uses). */
export function scaledEpoch(t0, timeScale) {
  return timeScale === 1 ? () => wallMs() : () => t0 + (wallMs() - t0) * timeScale;
}

export function scaledClock(t0, timeScale) {
  const epochNow = scaledEpoch(t0, timeScale);
  return {
    now: () => performance.now() * timeScale,
    epochNow,
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms / timeScale)),
    clearTimeout: (handle) => clearTimeout(handle),
  };
}

/** Sleep for `ms` of provider time. */
export function sleepScaled(ms, timeScale) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / timeScale)));
}
