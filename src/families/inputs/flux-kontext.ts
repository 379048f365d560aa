import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/flux/kontext/generate`. */
export interface FluxKontextInput {
  /** What to draw, or how to edit `inputImage`. */
  readonly prompt: string;
  /** An image to edit. */
  readonly inputImage?: string | undefined;
  /** `'16:9'`, `'1:1'`, ... */
  readonly aspectRatio?: string | undefined;
  /** `'jpeg'` or `'png'`. */
  readonly outputFormat?: 'jpeg' | 'png' | undefined;
  /** `'flux-kontext-pro'` or `'flux-kontext-max'`. */
  readonly model?: 'flux-kontext-pro' | 'flux-kontext-max' | undefined;
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const fluxKontextInput: RecordSchema<FluxKontextInput> = z.looseObject({
  prompt: text,
  inputImage: httpUrl.optional(),
  aspectRatio: text.optional(),
  outputFormat: z.enum(['jpeg', 'png']).optional(),
  model: z.enum(['flux-kontext-pro', 'flux-kontext-max']).optional(),
  callBackUrl,
});
