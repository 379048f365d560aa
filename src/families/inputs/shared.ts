import { z } from 'zod';

/*
 * Create inputs are checked before any request: a create the provider refuses with 422 still counts against the
 * account's creation limit. The schemas hold the documented types of the fields and let unknown fields through
 * (the provider adds fields faster than a client release), so a typo is caught by the TypeScript type, and a
 * wrong type by the schema.
 */

/** An absolute http(s) URL, as the provider fetches it. */
export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });
/** A non-empty text. */
export const text = z.string().min(1, 'must be a non-empty string');
/** The callback URL, when the input carries its own (the watcher's `callbackUrl` option sets it otherwise). */
export const callBackUrl = httpUrl.optional();
