import { Writable } from 'node:stream';
import { run } from '../../src/cli/run.js';
import type { WatchedTask } from '../../src/cli/report.js';
import type { KnownFamilyId, TaskFailure } from '../../src/index.js';

export interface Captured extends Writable {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  text(): string;
}

export function capture(tty: { columns?: number; rows?: number } | null = null): Captured {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as Captured;
  stream.text = () => chunks.join('');
  if (tty) {
    stream.isTTY = true;
    if (tty.columns !== undefined) stream.columns = tty.columns;
    if (tty.rows !== undefined) stream.rows = tty.rows;
  }
  return stream;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture();
  const code = await run(argv, { stdout, stderr, env, ...(signal ? { signal } : {}) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

export type JsonEvent = { type: string; taskId?: string } & Record<string, unknown>;

/** Every stdout line must be one JSON object; throws on the first that is not. */
export function jsonLines(stdout: string): JsonEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not an object: ${line}`);
      return value as JsonEvent;
    });
}

/** Long, distinctive keys: any appearance in output is a leak, never a coincidence. */
export const CANARY_KEY = 'canary-key-5f0c1e7a9b3d4c2e8a6f';
export const WRONG_KEY = 'wrong-canary-key-b71d09e3c4a8f265';

export function expectNoKey(result: CliRun, ...keys: string[]): void {
  for (const key of keys) {
    if (result.stdout.includes(key) || result.stderr.includes(key)) throw new Error('an API key appeared in the CLI output');
  }
}

/** A provider record of a task that failed on content policy, for reporter tests. */
export function failedRecord(taskId: string, status = 'CREATE_TASK_FAILED'): TaskFailure {
  return { taskId, family: 'gpt4o-image', status, successFlag: 2, errorCode: 400, errorMessage: 'content policy', record: null };
}

/** Tasks of one family (4o image unless named), as a session hands them to a reporter. */
export function watched(taskIds: readonly string[], family: KnownFamilyId = 'gpt4o-image'): WatchedTask[] {
  return taskIds.map((taskId) => ({ taskId, family }));
}
