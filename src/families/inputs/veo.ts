import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/veo/generate`. */
export interface VeoInput {
  /** What the video shows. */
  readonly prompt: string;
  /** Images to animate. */
  readonly imageUrls?: readonly string[] | undefined;
  /** `'veo3'` or `'veo3_fast'` (the provider's default). */
  readonly model?: 'veo3' | 'veo3_fast' | (string & {}) | undefined;
  /** `'16:9'`, `'9:16'`, `'Auto'`. */
  readonly aspectRatio?: string | undefined;
  /** How the images are used, as the provider names it. */
  readonly generationType?: string | undefined;
  /** A seed, for repeatable output. */
  readonly seeds?: number | undefined;
  /** A watermark text. */
  readonly watermark?: string | undefined;
  /** Fall back to another model when Veo refuses. */
  readonly enableFallback?: boolean | undefined;
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const veoInput: RecordSchema<VeoInput> = z.looseObject({
  prompt: text,
  imageUrls: z.array(httpUrl).optional(),
  model: text.optional(),
  aspectRatio: text.optional(),
  generationType: text.optional(),
  seeds: z.number().int().optional(),
  watermark: z.string().optional(),
  enableFallback: z.boolean().optional(),
  callBackUrl,
});
