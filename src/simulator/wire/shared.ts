import { errorOf, type TaskState } from '../record.js';
import type { FinalPhase } from './types.js';

type FailedOutcome = Exclude<FinalPhase['outcome'], 'SUCCESS'>;

/** successFlag of a failure in the flag families: 2 when the task was never created, 3 when generation failed. */
export const FAILURE_FLAG: Readonly<Record<FailedOutcome, 2 | 3>> = { CREATE_TASK_FAILED: 2, GENERATE_FAILED: 3, MODERATED: 3 };

const DEFAULT_ERRORS: Readonly<Record<FailedOutcome, readonly [number, string]>> = {
  CREATE_TASK_FAILED: [400, 'Failed to create the task'],
  GENERATE_FAILED: [500, 'Generation failed, please try again later'],
  MODERATED: [400, 'Your prompt was flagged as violating content policies'],
};

/** The error a failed task shows: the spec's, else the outcome's default (or the family's override of it). */
export function failureError(task: TaskState, outcome: FailedOutcome, override?: readonly [number, string]): { readonly code: number; readonly message: string } {
  const [code, message] = override ?? DEFAULT_ERRORS[outcome];
  return errorOf(task, code, message);
}

/** The prompt every simulated task claims to have been created with. */
export function promptOf(task: TaskState): string {
  return `simulated task ${task.taskId}`;
}
