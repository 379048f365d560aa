// A candidate replacement for the default policy, measured next to it with `npm run bench -- --proposal`
// (it is not the library's policy; see docs/performance.md, "Proposal").
export function proposalPolicy(s) {
  const age = s.taskAgeMs ?? s.watchedForMs;
  if (age > 300_000) return 20_000;
  if (s.etaMs !== null && s.etaMs > 6_000) return Math.min(s.etaMs * 0.35, 6_000);
  return 1_600;
}
