// Builds dist/ with tsup.
//   --if-stale  build only when the inputs changed since the last build: a hash of them is kept in
//               dist/.build-hash, so `npm run demo` and the test run do not rebuild for nothing, and never
//               run a dist/ older than the sources.
//   --quiet     keep tsup's ~40 lines to ourselves unless the build fails.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const STAMP = join(root, 'dist/.build-hash');
/** Everything tsup reads; the lock file too, since a new tsup or TypeScript can change the output. */
const INPUTS = ['src', 'tsup.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json'];
const OUTPUTS = ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/simulator/index.js', 'dist/cli/main.js'];

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

function inputHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((p) => files(join(root, p)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function fresh(hash) {
  return OUTPUTS.every((f) => existsSync(join(root, f))) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash;
}

const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const hash = inputHash();
if (args.has('--if-stale') && fresh(hash)) process.exit(0);
if (quiet && args.has('--if-stale')) process.stderr.write('kie-watcher: building dist/ (missing, or built from other sources)\n');

const tsupPackage = createRequire(import.meta.url).resolve('tsup/package.json');
const tsupBin = join(tsupPackage, '..', JSON.parse(readFileSync(tsupPackage, 'utf8')).bin.tsup);
// tsup's own `clean` cannot be used: its configs build in parallel and one would remove the others' output.
rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsupBin], { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
if (result.status !== 0) {
  if (quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  process.stderr.write(`kie-watcher: the build failed (tsup exit ${result.status ?? result.signal})\n`);
  process.exit(1);
}
// Hashed before the build: a source edited during it leaves the stamp stale, so the next run rebuilds.
writeFileSync(STAMP, hash);
