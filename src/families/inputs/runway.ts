import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/runway/generate`. */
export interface RunwayInput {
  /** What the video shows. */
  readonly prompt: string;
  /** An image to animate. */
  readonly imageUrl?: string | undefined;
  /** `'16:9'`, `'9:16'`, `'1:1'`, ... */
  readonly aspectRatio?: string | undefined;
  /** Seconds: 5 or 10. */
  readonly duration?: 5 | 10 | undefined;
  /** `'720p'` or `'1080p'`. */
  readonly quality?: '720p' | '1080p' | undefined;
  /** A watermark text (`''` for none). */
  readonly waterMark?: string | undefined;
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const runwayInput: RecordSchema<RunwayInput> = z.looseObject({
  prompt: text,
  imageUrl: httpUrl.optional(),
  aspectRatio: text.optional(),
  duration: z.union([z.literal(5), z.literal(10)]).optional(),
  quality: z.enum(['720p', '1080p']).optional(),
  waterMark: z.string().optional(),
  callBackUrl,
});
