// Runs vitest with the given arguments. Piped output (CI logs, `npm test | tee log`) gets no colour codes:
// vitest colours whenever CI is set, and escape codes only clutter a log file. A terminal keeps its colours,
// and FORCE_COLOR still wins.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const env = { ...process.env };
if (!process.stdout.isTTY && env.FORCE_COLOR === undefined) env.NO_COLOR = '1';
const pkg = createRequire(import.meta.url).resolve('vitest/package.json');
const result = spawnSync(process.execPath, [join(dirname(pkg), 'vitest.mjs'), ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
