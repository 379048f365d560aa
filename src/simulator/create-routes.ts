import type { SimulatedFamily } from './types.js';

/** One family's create endpoint, as the simulator serves it (its own copy: the other side of the wire). */
export interface CreateRoute {
  readonly family: SimulatedFamily;
  readonly path: string;
  /** The body-422 message for a body the endpoint refuses, `null` when it is acceptable. */
  check(body: Record<string, unknown>): string | null;
  /** How many result files the task makes. */
  results(body: Record<string, unknown>): number;
  /** The family's own codes: Suno answers "credits insufficient" as 429 and rate limits as 430. */
  readonly codes: { readonly rateLimited: number; readonly credits: number };
}

const STANDARD = { rateLimited: 429, credits: 402 } as const;

function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function requires(...fields: string[]): (body: Record<string, unknown>) => string | null {
  return (body) => {
    const missing = fields.find((f) => !nonEmpty(body[f]));
    return missing === undefined ? null : `${missing} is required`;
  };
}

const one = (): number => 1;

/** Every family's create endpoint (`POST`, JSON body, `{code, msg, data: {taskId}}`). */
export const CREATE_ROUTES: readonly CreateRoute[] = [
  {
    family: 'gpt4o-image',
    path: '/api/v1/gpt4o-image/generate',
    check: (b) => (nonEmpty(b['prompt']) || (Array.isArray(b['filesUrl']) && b['filesUrl'].length > 0) ? null : 'prompt or filesUrl is required'),
    results: (b) => (b['nVariants'] === 2 || b['nVariants'] === 4 ? b['nVariants'] : 1),
    codes: STANDARD,
  },
  {
    family: 'market',
    path: '/api/v1/jobs/createTask',
    check: (b) => (!nonEmpty(b['model']) ? 'model is required' : b['input'] === null || typeof b['input'] !== 'object' ? 'input is required' : null),
    results: one,
    codes: STANDARD,
  },
  { family: 'veo', path: '/api/v1/veo/generate', check: requires('prompt'), results: one, codes: STANDARD },
  { family: 'flux-kontext', path: '/api/v1/flux/kontext/generate', check: requires('prompt'), results: one, codes: STANDARD },
  { family: 'runway', path: '/api/v1/runway/generate', check: requires('prompt'), results: one, codes: STANDARD },
  { family: 'luma', path: '/api/v1/modify/generate', check: requires('prompt', 'videoUrl'), results: one, codes: STANDARD },
  { family: 'suno', path: '/api/v1/generate', check: requires('prompt'), results: () => 2, codes: { rateLimited: 430, credits: 429 } },
  { family: 'mj', path: '/api/v1/mj/generate', check: requires('taskType', 'prompt'), results: one, codes: STANDARD },
];

const BY_PATH = new Map(CREATE_ROUTES.map((r) => [r.path, r]));

/** The create endpoint at `path`, if any. */
export function createRouteFor(path: string): CreateRoute | undefined {
  return BY_PATH.get(path);
}

/** `GET` the account's credit balance. */
export const CREDIT_PATH = '/api/v1/chat/credit';
