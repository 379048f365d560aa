import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/jobs/createTask`: a market model and its own input object. */
export interface MarketInput {
  /** The model, e.g. `'google/nano-banana'`, `'bytedance/seedream'`, `'kling/v2-1-standard'`. */
  readonly model: string;
  /** The model's own input (usually with `prompt`); each model documents its fields. */
  readonly input: { readonly [field: string]: unknown };
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
  /** Some models post progress here. */
  readonly progressCallBackUrl?: string | undefined;
}

export const marketInput: RecordSchema<MarketInput> = z.looseObject({
  model: text,
  input: z.record(z.string(), z.unknown()),
  callBackUrl,
  progressCallBackUrl: httpUrl.optional(),
});
