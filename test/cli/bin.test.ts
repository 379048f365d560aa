import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jsonLines } from './helpers.js';

// Built from the current sources by the `dist` project's globalSetup (test/build-dist.ts).
const BIN = 'dist/cli/main.js';

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

describe('the built binary with a closed stdout pipe (kie-watch demo --json | head -1)', () => {
  it('stops quietly: the watcher closed, exit code 0, nothing on stderr but the banner', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'demo', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // What `head -1` does: read the first line, then close the pipe.
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        seen += chunk;
        if (seen.includes('\n')) {
          child.stdout.destroy();
          resolve();
        }
      });
    });
    const startedAt = Date.now();
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The 36 demo tasks take up to 20 s; a run that ignored the closed pipe would still be going.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const lines = stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^kie-watch demo: simulator at http:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).not.toMatch(/interrupted|Error|at .*\.js:\d+/);
  });
});
