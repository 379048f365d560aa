/** A log-normal duration distribution, by two of its quantiles. */
export interface DurationPrior {
  /** Half of the tasks end by this age, in ms. */
  readonly medianMs: number;
  /** 95% of the tasks end by this age, in ms. */
  readonly p95Ms: number;
}

/**
 * Where each family's duration sketch starts: a log-normal given by its median and 95th percentile, in ms.
 * These are assumptions, not measurements: the provider publishes no durations. gpt4o-image is the shape of the
 * benchmark workload (docs/performance.md: median 45 s, 5% over 5 minutes); the others are set from what the
 * provider's pages and users report (images in seconds to a minute, videos in minutes, Luma 2 to 20 minutes).
 * The prior weighs as much as `LEARNED.priorWeight` ends and is forgotten as real ones arrive.
 */
export const FAMILY_PRIORS: Readonly<Record<string, DurationPrior>> = {
  'gpt4o-image': { medianMs: 45_000, p95Ms: 300_000 },
  'flux-kontext': { medianMs: 20_000, p95Ms: 90_000 },
  mj: { medianMs: 45_000, p95Ms: 180_000 },
  market: { medianMs: 60_000, p95Ms: 400_000 },
  suno: { medianMs: 60_000, p95Ms: 240_000 },
  runway: { medianMs: 90_000, p95Ms: 360_000 },
  veo: { medianMs: 120_000, p95Ms: 480_000 },
  luma: { medianMs: 360_000, p95Ms: 1_080_000 },
};

/** The prior of a family not listed above (a custom family). */
export const DEFAULT_PRIOR: DurationPrior = { medianMs: 60_000, p95Ms: 400_000 };
