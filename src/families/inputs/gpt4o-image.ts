import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/gpt4o-image/generate`: a prompt, input images, or both. */
export interface Gpt4oImageInput {
  /** What to draw; required unless `filesUrl` is given. */
  readonly prompt?: string | undefined;
  /** Aspect ratio. */
  readonly size: '1:1' | '3:2' | '2:3';
  /** Input images, up to 5. */
  readonly filesUrl?: readonly string[] | undefined;
  /** Images per task. @default 1 */
  readonly nVariants?: 1 | 2 | 4 | undefined;
  /** A mask for editing the first input image. */
  readonly maskUrl?: string | undefined;
  /** Let the provider enhance the prompt. */
  readonly isEnhance?: boolean | undefined;
  /** Fall back to another model when 4o is unavailable. */
  readonly enableFallback?: boolean | undefined;
  /** The fallback model's name. */
  readonly fallbackModel?: string | undefined;
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const gpt4oImageInput: RecordSchema<Gpt4oImageInput> = z
  .looseObject({
    prompt: text.optional(),
    size: z.enum(['1:1', '3:2', '2:3']),
    filesUrl: z.array(httpUrl).max(5, 'at most 5 input images').optional(),
    nVariants: z.union([z.literal(1), z.literal(2), z.literal(4)]).optional(),
    maskUrl: httpUrl.optional(),
    isEnhance: z.boolean().optional(),
    enableFallback: z.boolean().optional(),
    fallbackModel: text.optional(),
    callBackUrl,
  })
  .refine((v) => v.prompt !== undefined || (v.filesUrl?.length ?? 0) > 0, { message: 'needs a prompt or filesUrl', path: ['prompt'] });
