// A candidate replacement for the default policy, measured next to it with `npm run bench -- --proposal`
// or `-- --frontier-only` (it is not the library's policy; see docs/performance.md, "Proposal").
export function proposalPolicy(s) {
  const age = s.taskAgeMs ?? s.watchedForMs;
  const base = age < 30_000 ? 3_500 : age < 300_000 ? 5_000 : 10_000;
  // Progress predicts the end before the next regular poll: poll once at that moment instead.
  if (s.etaMs !== null && s.etaMs > 0 && s.etaMs < base) return Math.max(s.minIntervalMs, s.etaMs);
  return base;
}
