import { z } from 'zod';
import { isCallbackUrl } from './callbacks.js';
import type { SimulatedTaskSpec, SimulatorFaults } from './types.js';

// Strict objects: a misspelt fault name over HTTP should fail loudly, not silently inject nothing.
const probability = z.number().min(0).max(1);

export const faultsSchema = z.strictObject({
  http5xx: probability.optional(),
  body500: probability.optional(),
  body455: probability.optional(),
  body429: probability.optional(),
  body408: probability.optional(),
  http429: probability.optional(),
  malformedJson: probability.optional(),
  reset: probability.optional(),
  slow: probability.optional(),
  slowMs: z.number().min(0).max(600_000).optional(),
});

export const taskSpecSchema = z.strictObject({
  taskId: z.string().min(1).max(200).optional(),
  durationMs: z.number().min(0),
  outcome: z.enum(['SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED', 'NEVER']),
  invisibleForMs: z.number().min(0).optional(),
  progressSteps: z.number().int().min(0).max(1000).optional(),
  resultUrls: z.array(z.string()).optional(),
  successWithoutUrls: z.boolean().optional(),
  errorCode: z.number().int().optional(),
  errorMessage: z.string().optional(),
  variant: z.enum(['openapi', 'quickstart']).optional(),
  family: z.enum(['gpt4o-image', 'market', 'veo', 'flux-kontext', 'runway', 'luma', 'suno', 'mj']).optional(),
  quirk: z.boolean().optional(),
  callBackUrl: z.string().refine(isCallbackUrl, 'must be an absolute http(s) URL of at most 2048 characters').optional(),
});

export const addTasksBodySchema = z.strictObject({ tasks: z.array(taskSpecSchema) });

/** zod yields `key?: T | undefined`; exactOptionalPropertyTypes wants absent keys instead. */
function compact<T extends object>(value: object): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

const FAULT_NAMES = Object.keys(faultsSchema.shape);

/**
 * zod's own message is a JSON dump of its issues, which a CLI cuts to its first line (`[`). A fault config
 * is typed by hand, so the error names the offending key and lists the valid ones.
 */
export function parseFaults(input: unknown): SimulatorFaults {
  const parsed = faultsSchema.safeParse(input);
  if (parsed.success) return compact<SimulatorFaults>(parsed.data);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError(`faults must be an object of fault names to probabilities; valid names: ${FAULT_NAMES.join(', ')}`);
  }
  const unknown = Object.keys(input).filter((k) => !FAULT_NAMES.includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => `'${k}'`).join(', ');
    throw new TypeError(`unknown fault${unknown.length === 1 ? '' : 's'} ${names}; valid names: ${FAULT_NAMES.join(', ')}`);
  }
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const range = key === 'slowMs' ? 'a number of ms from 0 to 600000' : 'a probability from 0 to 1';
  throw new TypeError(`fault '${key}' must be ${range}, got ${JSON.stringify((input as Record<string, unknown>)[key])}`);
}

export function parseAddTasksBody(input: unknown): SimulatedTaskSpec[] {
  return addTasksBodySchema.parse(input).tasks.map((t) => compact<SimulatedTaskSpec>(t));
}
