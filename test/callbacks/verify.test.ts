import { createHmac } from 'node:crypto';
import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { KieWatcherError } from '../../src/errors.js';
import { CallbackRejectedError, kieCallbackHeaders, signKieCallback, verifyKieCallback } from '../../src/callbacks/index.js';
import type { VerifyKieCallbackOptions } from '../../src/callbacks/index.js';

// Spy on the comparison to prove it is the constant-time one; the real function still does the work.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof crypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const KEY = 'whk-unit-key';
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const TASK = 'task_abc-1.2:3';
const success = { code: 200, msg: 'success', data: { taskId: TASK, info: { result_urls: ['https://example.invalid/a.png'] } } };

function verify(overrides: Partial<VerifyKieCallbackOptions> = {}): ReturnType<typeof verifyKieCallback> {
  return verifyKieCallback({ headers: kieCallbackHeaders(TASK, KEY, NOW), rawBody: JSON.stringify(success), hmacKey: KEY, now: () => NOW, ...overrides });
}

function rejection(fn: () => unknown): CallbackRejectedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CallbackRejectedError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('the signature', () => {
  it('is base64 HMAC-SHA256 of taskId + "." + timestamp, as KIE documents', () => {
    const expected = createHmac('sha256', KEY).update(`${TASK}.1780315200`).digest('base64');
    expect(signKieCallback(TASK, 1780315200, KEY)).toBe(expected);
    expect(kieCallbackHeaders(TASK, KEY, NOW)).toEqual({ 'x-webhook-timestamp': '1780315200', 'x-webhook-signature': expected });
  });

  it('accepts a correctly signed callback and returns the taskId, the code and the timestamp', () => {
    expect(verify()).toEqual({ taskId: TASK, code: 200, timestamp: 1780315200 });
  });

  it('compares with crypto.timingSafeEqual', () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    verify();
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('treats a signature of the wrong length or alphabet as a mismatch, never an exception of another kind', () => {
    for (const signature of ['', 'AAAA', 'A'.repeat(500), '!!!!', `${signKieCallback(TASK, 1780315200, KEY)}AAAA`, 'ä'.repeat(44)]) {
      const headers = { 'x-webhook-timestamp': '1780315200', 'x-webhook-signature': signature };
      const reason = signature === '' ? 'missing-signature' : 'bad-signature';
      expect(rejection(() => verify({ headers })).reason).toBe(reason);
    }
  });

  it('accepts the url-safe and unpadded spellings of the same signature', () => {
    const standard = signKieCallback(TASK, 1780315200, KEY);
    const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(verify({ headers: { 'x-webhook-timestamp': '1780315200', 'x-webhook-signature': urlSafe } }).taskId).toBe(TASK);
  });

  it('reads header names in any case and accepts one-element arrays (node:http headersDistinct)', () => {
    const h = kieCallbackHeaders(TASK, KEY, NOW);
    const headers = { 'X-Webhook-Timestamp': [h['x-webhook-timestamp'] ?? ''], 'X-WEBHOOK-SIGNATURE': h['x-webhook-signature'] };
    expect(verify({ headers }).taskId).toBe(TASK);
  });

  it('reads a Fetch Headers object', () => {
    expect(verify({ headers: new Headers(kieCallbackHeaders(TASK, KEY, NOW)) }).taskId).toBe(TASK);
  });

  it('refuses a header given twice, as an array or under two spellings', () => {
    const h = kieCallbackHeaders(TASK, KEY, NOW);
    const sig = h['x-webhook-signature'] ?? '';
    expect(rejection(() => verify({ headers: { ...h, 'x-webhook-signature': [sig, sig] } })).reason).toBe('duplicate-header');
    expect(rejection(() => verify({ headers: { ...h, 'X-Webhook-Signature': sig } })).reason).toBe('duplicate-header');
  });

  it('refuses a timestamp that is not a whole number of seconds', () => {
    for (const ts of ['1780315200.5', '-1780315200', '0x6a1c', 'now', '1780315200, 1780315201', '1'.repeat(17)]) {
      const headers = { 'x-webhook-timestamp': ts, 'x-webhook-signature': signKieCallback(TASK, ts, KEY) };
      expect(rejection(() => verify({ headers })).reason).toBe('malformed-timestamp');
    }
  });

  it('rejects stale and future timestamps beyond the tolerance, both ways, and accepts the edges', () => {
    const at = (offsetSec: number, toleranceSec?: number) =>
      verify({ headers: kieCallbackHeaders(TASK, KEY, NOW + offsetSec * 1000), ...(toleranceSec === undefined ? {} : { toleranceSec }) });
    expect(at(-300).taskId).toBe(TASK);
    expect(at(300).taskId).toBe(TASK);
    expect(rejection(() => at(-301)).reason).toBe('stale-timestamp');
    expect(rejection(() => at(301)).reason).toBe('future-timestamp');
    expect(rejection(() => at(-11, 10)).reason).toBe('stale-timestamp');
    expect(at(-11, 20).taskId).toBe(TASK);
  });

  it('reads a millisecond timestamp as milliseconds for the tolerance, and checks the signature over it as sent', () => {
    const ts = String(NOW);
    const headers = { 'x-webhook-timestamp': ts, 'x-webhook-signature': signKieCallback(TASK, ts, KEY) };
    expect(verify({ headers }).timestamp).toBe(NOW / 1000);
  });

  it('checks the headers before the body: a stale request with a broken body is a 401, not a 400', () => {
    const err = rejection(() => verify({ headers: kieCallbackHeaders(TASK, KEY, NOW - 3_600_000), rawBody: 'not json' }));
    expect([err.reason, err.status]).toEqual(['stale-timestamp', 401]);
  });

  it('needs no signature headers without a key, and ignores any that are sent', () => {
    expect(verify({ hmacKey: undefined, headers: {} })).toEqual({ taskId: TASK, code: 200, timestamp: null });
    expect(verify({ hmacKey: undefined, headers: { 'x-webhook-signature': 'garbage' } }).taskId).toBe(TASK);
  });

  it('accepts the key as bytes', () => {
    const bytes = Buffer.from(KEY);
    expect(verify({ hmacKey: new Uint8Array(bytes) }).taskId).toBe(TASK);
  });
});

describe('the body', () => {
  it('reads data.task_id as well as data.taskId', () => {
    const body = { code: 200, msg: 'ok', data: { task_id: TASK, info: null } };
    expect(verify({ rawBody: JSON.stringify(body) }).taskId).toBe(TASK);
  });

  it('accepts a Buffer, a Uint8Array view and a string with a BOM', () => {
    const text = JSON.stringify(success);
    const padded = Buffer.from(`xx${text}yy`);
    expect(verify({ rawBody: Buffer.from(text) }).taskId).toBe(TASK);
    expect(verify({ rawBody: new Uint8Array(padded.buffer, padded.byteOffset + 2, text.length) }).taskId).toBe(TASK);
    expect(verify({ rawBody: `\uFEFF${text}` }).taskId).toBe(TASK);
  });

  it('accepts a body a framework already parsed (the signature covers only taskId and timestamp)', () => {
    expect(verify({ rawBody: undefined, parsedBody: structuredClone(success) }).taskId).toBe(TASK);
    expect(rejection(() => verify({ rawBody: undefined, parsedBody: [success] })).reason).toBe('malformed-body');
  });

  it('returns the code, or null when the body has no integer code', () => {
    const failed = { code: 451, msg: 'download failed', data: { taskId: TASK, info: null } };
    expect(verify({ rawBody: JSON.stringify(failed) }).code).toBe(451);
    expect(verify({ rawBody: JSON.stringify({ ...failed, code: '451' }) }).code).toBeNull();
    expect(verify({ rawBody: JSON.stringify({ data: { taskId: TASK } }) }).code).toBeNull();
  });

  it('guesses the family from a market record and from a Suno body, and only from those', () => {
    const market = {
      code: 200,
      msg: 'Playground task completed successfully.',
      data: { taskId: TASK, model: 'google/nano-banana', state: 'success', resultJson: '{"resultUrls":["https://x/a.png"]}', failCode: '', failMsg: '' },
    };
    const suno = { code: 200, msg: 'All generated successfully.', data: { callbackType: 'complete', task_id: TASK, data: [{ id: 'a', audio_url: 'https://x/a.mp3' }] } };
    expect(verify({ rawBody: JSON.stringify(market) }).family).toBe('market');
    expect(verify({ rawBody: JSON.stringify(suno) }).family).toBe('suno');
    expect(verify().family).toBeUndefined();
    expect('family' in verify()).toBe(false);
  });

  it('uses the same taskId rule as the watcher: 1..128 of A-Z a-z 0-9 _ . : - and no ".."', () => {
    const body = (taskId: unknown) => JSON.stringify({ code: 200, data: { taskId } });
    expect(verify({ hmacKey: undefined, rawBody: body('x'.repeat(128)) }).taskId).toHaveLength(128);
    for (const bad of ['', 'x'.repeat(129), 'a..b', '..', 'a/b', 'a b', 'ü', 'a%2e']) {
      expect(rejection(() => verify({ hmacKey: undefined, rawBody: body(bad) })).reason).toBe('invalid-task-id');
    }
  });

  it('does not let __proto__ in the body reach anything', () => {
    const text = `{"code":200,"__proto__":{"polluted":true},"data":{"taskId":"${TASK}","__proto__":{"taskId":"other"}}}`;
    expect(verify({ hmacKey: undefined, rawBody: text }).taskId).toBe(TASK);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('the error', () => {
  it('is a KieWatcherError with code KIE_CALLBACK_REJECTED, a reason and a status, and the taskId once it is valid', () => {
    const err = rejection(() => verify({ headers: kieCallbackHeaders('another', KEY, NOW) }));
    expect(err).toBeInstanceOf(KieWatcherError);
    expect(err).toMatchObject({ code: 'KIE_CALLBACK_REJECTED', reason: 'bad-signature', status: 401, taskId: TASK, name: 'CallbackRejectedError' });
    expect(rejection(() => verify({ rawBody: '[]' })).taskId).toBeUndefined();
  });

  it('maps each reason to its status', () => {
    expect(new CallbackRejectedError('malformed-body').status).toBe(400);
    expect(new CallbackRejectedError('body-too-large').status).toBe(413);
    expect(new CallbackRejectedError('unsupported-media-type').status).toBe(415);
    expect(new CallbackRejectedError('method-not-allowed').status).toBe(405);
    expect(new CallbackRejectedError('stale-timestamp').status).toBe(401);
  });
});

describe('options', () => {
  it('refuses an empty key without echoing it, and a negative tolerance', () => {
    expect(() => verify({ hmacKey: '' })).toThrow(TypeError);
    expect(() => verify({ hmacKey: 42 as unknown as string })).toThrow(/non-empty string or Uint8Array/);
    expect(() => verify({ toleranceSec: -1 })).toThrow(/toleranceSec/);
    expect(() => verify({ toleranceSec: Number.NaN })).toThrow(/toleranceSec/);
  });
});
