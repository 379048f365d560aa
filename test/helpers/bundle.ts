import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Bundles a TypeScript entry (a worker for child processes) into `.tmp/bundles/`, inside the repository so
 * that its bare imports (ioredis, undici) resolve from node_modules. Always fresh, unlike `dist/`.
 */
export async function bundle(entry: string): Promise<string> {
  const dir = join(ROOT, '.tmp', 'bundles');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${basename(entry, '.ts')}-${process.pid}.mjs`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent', loader: { '.lua': 'text' } });
  return outfile;
}
