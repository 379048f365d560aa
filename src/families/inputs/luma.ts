import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, httpUrl, text } from './shared.js';

/** The body of `POST /api/v1/modify/generate`: a video and how to modify it. */
export interface LumaInput {
  /** How to modify the video. */
  readonly prompt: string;
  /** The video to modify. */
  readonly videoUrl: string;
  /** A watermark text. */
  readonly watermark?: string | undefined;
  /** Where the provider posts the result; the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const lumaInput: RecordSchema<LumaInput> = z.looseObject({
  prompt: text,
  videoUrl: httpUrl,
  watermark: z.string().optional(),
  callBackUrl,
});
