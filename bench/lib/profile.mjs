// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function, heaviest first, so the
// docs can say where a scenario's CPU goes instead of guessing.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

export function summarizeCpuProfile(file, root, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    const cf = node.callFrame;
    const where = cf.url ? `${relative(root, cf.url.replace(/^file:\/\//, ''))}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => {
      const [fn, where] = key.split('\t');
      return { function: fn, where, selfPercent: Math.round((us / total) * 1000) / 10 };
    });
}
