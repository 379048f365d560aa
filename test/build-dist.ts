import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/** vitest globalSetup of the `dist` project: one build before its test files, never one per file. */
export default function setup(): void {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../scripts/build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit', timeout: 300_000 });
}
