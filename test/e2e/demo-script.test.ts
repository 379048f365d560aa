import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

/** What tsup prints on a build: about 40 lines of it on every `npm run demo`, before. */
const BUILD_OUTPUT = /tsup|Build start|Build success|Building entry|building dist\//;

describe('npm run demo', () => {
  it('does not rebuild (or print a build) when dist/ was built from the current sources', async () => {
    // The dist project's globalSetup has just built dist/ from these sources; twice, as a user re-runs it.
    for (let run = 0; run < 2; run++) {
      const { stdout, stderr } = await exec('npm', ['run', 'demo', '--', '--tasks', '2', '--speed', '10', '--json'], {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, npm_config_update_notifier: 'false' },
      });
      expect(`${stdout}${stderr}`).not.toMatch(BUILD_OUTPUT);
      expect(stdout).toMatch(/"type":"summary"/);
    }
  });
});
