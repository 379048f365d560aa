import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonLines } from './helpers.js';

const BIN = 'dist/cli/main.js';

beforeAll(() => {
  // The suite normally runs after `npm run build`; build only when that was skipped, never skip the test.
  if (!existsSync(BIN)) execFileSync('npx', ['tsup'], { stdio: 'ignore', timeout: 120_000 });
}, 130_000);

describe('the built kie-watch binary', () => {
  it('starts with a node shebang and runs the demo end to end', async () => {
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'demo', '--tasks', '4', '--json', '--speed', '10'], { timeout: 25_000 }).catch(
      (err: { code?: unknown; stdout?: string }) => {
        // Exit code 1 (a scripted task failed) is a normal demo outcome; anything else is not.
        if (err.code !== 1 || typeof err.stdout !== 'string') throw err;
        return { stdout: err.stdout };
      },
    );
    const events = jsonLines(stdout);
    expect(events.filter((e) => e.type === 'completed' || e.type === 'failed')).toHaveLength(4);
    expect(events.at(-1)).toMatchObject({ type: 'summary', tasks: 4, violations: 0 });
  });
});

describe('the built binary on SIGINT', () => {
  it('closes the watcher, prints the summary and exits 130', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'demo', '--tasks', '3', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const firstLine = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await firstLine;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(jsonLines(stdout).at(-1)).toMatchObject({ type: 'summary', interrupted: 3, exitCode: 130 });
  });
});
