import type { TaskPhase, TaskState } from '../record.js';
import type { SimulatedFamily } from '../types.js';

/** A phase in which the record exists. */
export type VisiblePhase = Exclude<TaskPhase, { kind: 'invisible' }>;
export type FinalPhase = Extract<TaskPhase, { kind: 'final' }>;

/** One family's side of the wire: its endpoint, envelope quirks and record shape. */
export interface FamilyWire {
  readonly family: SimulatedFamily;
  readonly path: string;
  /** The envelope's message key: market jobs answer with `message`, the rest with `msg`. */
  readonly messageKey: 'msg' | 'message';
  /** The body-422 message for a task the endpoint does not know (or does not show yet). */
  readonly unknownTaskMessage: string;
  /** The record `data` as the provider shows it in this phase. */
  render(task: TaskState, phase: VisiblePhase): object;
}
