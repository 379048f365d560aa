import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/mj/generate` (Midjourney). */
export interface MidjourneyInput {
  /** `'mj_txt2img'`, `'mj_img2img'`, `'mj_video'`, ... */
  readonly taskType: 'mj_txt2img' | 'mj_img2img' | 'mj_video' | (string & {});
  /** What to draw. */
  readonly prompt: string;
  /** Input images (img2img, video). */
  readonly fileUrls?: readonly string[] | undefined;
  /** `'relaxed'`, `'fast'` or `'turbo'`. */
  readonly speed?: 'relaxed' | 'fast' | 'turbo' | undefined;
  /** The model version, e.g. `'7'`. */
  readonly version?: string | undefined;
  /** `'1:1'`, `'16:9'`, ... */
  readonly aspectRatio?: string | undefined;
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const midjourneyInput: RecordSchema<MidjourneyInput> = z.looseObject({
  taskType: text,
  prompt: text,
  fileUrls: z.array(httpUrl).optional(),
  speed: z.enum(['relaxed', 'fast', 'turbo']).optional(),
  version: text.optional(),
  aspectRatio: text.optional(),
  callBackUrl,
});
