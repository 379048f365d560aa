import { createHmac } from 'node:crypto';

/** The header carrying the signing time, Unix seconds (lower case, as `node:http` reports names). */
export const TIMESTAMP_HEADER = 'x-webhook-timestamp';
/** The header carrying the base64 signature (lower case, as `node:http` reports names). */
export const SIGNATURE_HEADER = 'x-webhook-signature';

/** A webhook HMAC key: the text KIE shows, or its bytes. */
export type HmacKey = string | Uint8Array;

/**
 * KIE's callback signature: base64(HMAC-SHA256(`taskId + "." + timestamp`, hmacKey)). Only the taskId and the
 * timestamp are signed, never the body. `timestamp` is used exactly as sent in `X-Webhook-Timestamp`.
 */
export function signKieCallback(taskId: string, timestamp: number | string, hmacKey: HmacKey): string {
  return createHmac('sha256', hmacKey).update(`${taskId}.${String(timestamp)}`).digest('base64');
}

/**
 * The two headers KIE would send for `taskId` at `nowMs` (epoch ms; the timestamp is in whole seconds). For
 * tests of your own endpoint, and used by the bundled simulator.
 */
export function kieCallbackHeaders(taskId: string, hmacKey: HmacKey, nowMs: number = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signKieCallback(taskId, timestamp, hmacKey) };
}
