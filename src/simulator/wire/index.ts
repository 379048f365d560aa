import { phaseAt, type TaskState } from '../record.js';
import type { SimulatedFamily } from '../types.js';
import { fluxKontextWire } from './flux-kontext.js';
import { gpt4oImageWire } from './gpt4o-image.js';
import { lumaWire } from './luma.js';
import { marketWire } from './market.js';
import { midjourneyWire } from './mj.js';
import { runwayWire } from './runway.js';
import { sunoWire } from './suno.js';
import type { FamilyWire } from './types.js';
import { veoWire } from './veo.js';

/** Every family the simulator serves, by id. */
export const WIRES: Readonly<Record<SimulatedFamily, FamilyWire>> = {
  'gpt4o-image': gpt4oImageWire,
  market: marketWire,
  veo: veoWire,
  'flux-kontext': fluxKontextWire,
  runway: runwayWire,
  luma: lumaWire,
  suno: sunoWire,
  mj: midjourneyWire,
};

const BY_PATH = new Map(Object.values(WIRES).map((w) => [w.path, w]));

/** The family whose status endpoint is `path`, if any. */
export function wireForPath(path: string): FamilyWire | undefined {
  return BY_PATH.get(path);
}

/** The `{code, msg|message, data}` text in the family's spelling. */
function envelopeText(wire: FamilyWire, code: number, message: string, data: unknown = null): string {
  return JSON.stringify({ code, [wire.messageKey]: message, data });
}

/**
 * The answer `wire`'s endpoint gives for a task at `now`. A task of another family is as unknown there as
 * a task never added (`unknown: true`); a task still invisible gets the same 422 without counting as unknown.
 */
export function recordAnswer(wire: FamilyWire, task: TaskState | undefined, now: number): { readonly text: string; readonly unknown: boolean } {
  // Unknown and not-yet-visible tasks get the generic 422, spelt `msg` even on market (captured live).
  const missing = JSON.stringify({ code: 422, msg: wire.unknownTaskMessage, data: null });
  if (!task || task.family !== wire.family) return { text: missing, unknown: true };
  const phase = phaseAt(task, now);
  if (phase.kind === 'invisible') return { text: missing, unknown: false };
  return { text: envelopeText(wire, 200, 'success', wire.render(task, phase)), unknown: false };
}

export type { FamilyWire } from './types.js';
