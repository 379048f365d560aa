import { z } from 'zod';
import type { RecordSchema } from '../define.js';
import { callBackUrl, text } from './shared.js';

/** The body of `POST /api/v1/generate` (Suno music). */
export interface SunoInput {
  /** Lyrics (custom mode) or a description of the song. */
  readonly prompt: string;
  /** `true`: `prompt` is lyrics, and `style` and `title` are used. */
  readonly customMode?: boolean | undefined;
  /** No vocals. */
  readonly instrumental?: boolean | undefined;
  /** `'V4'`, `'V4_5'`, `'V5'`, ... */
  readonly model?: 'V3_5' | 'V4' | 'V4_5' | 'V4_5PLUS' | 'V5' | (string & {}) | undefined;
  /** The music style (custom mode). */
  readonly style?: string | undefined;
  /** The song's title (custom mode). */
  readonly title?: string | undefined;
  /** Styles to avoid. */
  readonly negativeTags?: string | undefined;
  /** Where the provider posts the result (in three stages); the watcher's `callbackUrl` option sets it for every create. */
  readonly callBackUrl?: string | undefined;
}

export const sunoInput: RecordSchema<SunoInput> = z.looseObject({
  prompt: text,
  customMode: z.boolean().optional(),
  instrumental: z.boolean().optional(),
  model: text.optional(),
  style: z.string().optional(),
  title: z.string().optional(),
  negativeTags: z.string().optional(),
  callBackUrl,
});

/**
 * The Suno docs number refusals their own way: 405 and 430 are rate limits, and 429 means "insufficient
 * credits" there (the message says which), not a rate limit.
 */
export function sunoRefusal(code: number, message: string): 'rate-limited' | 'credits' | undefined {
  if (code === 405 || code === 430) return 'rate-limited';
  if (code === 429) return /credit|balance|insufficient/i.test(message) ? 'credits' : 'rate-limited';
  return undefined;
}
