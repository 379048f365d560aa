import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyRecord, classifyResponse, parseRetryAfter, type RawResponse } from '../../src/classify.js';
import { normalizeRecord, parseProgress, parseTime } from '../../src/record.js';

const res = (body: unknown, statusCode = 200, retryAfter: string | null = null): RawResponse => ({
  statusCode,
  retryAfter,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const classify = (r: RawResponse) => classifyResponse(r, 't1', 30_000, Date.UTC(2026, 0, 1)).kind;
const rec = (fields: Record<string, unknown>) => ({ code: 200, msg: 'success', data: { taskId: 't1', status: 'GENERATING', successFlag: 0, progress: '0.5', ...fields } });

describe('classifyResponse', () => {
  it.each([
    ['HTTP 429', res('', 429), 'rate-limited'],
    ['body 429', res({ code: 429, msg: 'x', data: null }), 'rate-limited'],
    ['HTTP 502 with HTML', res('<html>bad gateway</html>', 502), 'transient'],
    ['HTTP 408', res('', 408), 'transient'],
    ['body 500', res({ code: 500, msg: 'x', data: null }), 'transient'],
    ['body 455', res({ code: 455, msg: 'maintenance', data: null }), 'transient'],
    ['body 408', res({ code: 408, msg: 'x', data: null }), 'transient'],
    ['body 501', res({ code: 501, msg: 'x', data: null }), 'transient'],
    ['body 505 (feature disabled)', res({ code: 505, msg: 'x', data: null }), 'fatal'],
    ['body 401', res({ code: 401, msg: 'x', data: null }), 'fatal'],
    ['body 402', res({ code: 402, msg: 'x', data: null }), 'fatal'],
    ['HTTP 403 from a CDN', res('<html>blocked</html>', 403), 'fatal'],
    ['body 422 record is null', res({ code: 422, msg: 'record is null', data: null }), 'unknown-task'],
    ['body 404', res({ code: 404, msg: 'not found', data: null }), 'unknown-task'],
    ['data null', res({ code: 200, msg: 'success', data: null }), 'unknown-task'],
    ['malformed JSON', res('{"code":200,'), 'invalid'],
    ['not an envelope', res([1, 2]), 'invalid'],
    ['redirect', res('', 302), 'invalid'],
    ['body 200 behind HTTP 500', res({ code: 200, data: {} }, 500), 'transient'],
    ['record for another task', res(rec({ taskId: 'other' })), 'invalid'],
    ['GENERATING', res(rec({})), 'pending'],
    ['unknown status', res(rec({ status: 'WARMING_UP' })), 'pending'],
    ['SUCCESS with urls', res(rec({ status: 'SUCCESS', successFlag: 1, response: { resultUrls: ['u'] } })), 'success'],
    ['SUCCESS with result_urls', res(rec({ status: 'SUCCESS', successFlag: 1, response: { result_urls: ['u'] } })), 'success'],
    ['SUCCESS without urls', res(rec({ status: 'SUCCESS', successFlag: 1, response: { resultUrls: [] } })), 'invalid'],
    ['successFlag 1 without status', res(rec({ status: null, successFlag: 1, response: { resultUrls: ['u'] } })), 'success'],
    ['GENERATE_FAILED', res(rec({ status: 'GENERATE_FAILED', successFlag: 2 })), 'failure'],
    ['successFlag 3 with status GENERATING', res(rec({ status: 'GENERATING', successFlag: 3 })), 'failure'],
    ['successFlag as a string', res(rec({ successFlag: '2' })), 'failure'],
    ['extra and missing optional fields', res({ code: 200, msg: 'success', data: { taskId: 't1', extra: { deep: true } } }), 'pending'],
    ['wrong field type', res(rec({ status: 42 })), 'invalid'],
  ])('%s → %s', (_, r, kind) => {
    expect(classify(r)).toBe(kind);
  });

  it('parses Retry-After as seconds or an HTTP date, capped', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('2', now, 30_000)).toBe(2000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now, 30_000)).toBe(5000);
    expect(parseRetryAfter('86400', now, 30_000)).toBe(30_000);
    expect(parseRetryAfter('soon', now, 30_000)).toBeNull();
    expect(parseRetryAfter(null, now, 30_000)).toBeNull();
  });

  it('never throws and never reports a task done unless the body code is 200 (arbitrary JSON)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(200, 201, 204, 301, 400, 401, 404, 429, 500, 503), (json, status) => {
        const body = JSON.stringify(json) ?? '';
        const out = classifyResponse({ statusCode: status, retryAfter: null, body }, 't1', 30_000, 0);
        if (out.kind === 'success' || out.kind === 'failure') {
          expect((json as { code?: unknown }).code).toSatisfy((c: unknown) => Number(c) === 200);
          expect(status).toBe(200);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('never throws on arbitrary bytes, and finality needs body code 200 (records built from arbitrary fields)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const out = classifyResponse({ statusCode: 200, retryAfter: null, body: Buffer.from(bytes).toString('utf8') }, 't1', 30_000, 0);
        expect(['success', 'failure']).not.toContain(out.kind);
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.record({ status: fc.option(fc.constantFrom('SUCCESS', 'GENERATING', 'GENERATE_FAILED', 'X')), successFlag: fc.option(fc.integer({ min: 0, max: 4 })) }),
        (code, data) => {
          const out = classifyResponse({ statusCode: 200, retryAfter: null, body: JSON.stringify({ code, msg: '', data: { ...data, response: { resultUrls: ['u'] } } }) }, 't1', 30_000, 0);
          if (code !== 200) expect(['success', 'failure', 'pending']).not.toContain(out.kind);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('record normalization', () => {
  it('parses both time formats and clamps progress into 0..1', () => {
    expect(parseTime(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseTime('1700000000000')).toBe(1_700_000_000_000);
    expect(parseTime('2026-01-02 03:04:05')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseTime('yesterday')).toBeNull();
    expect(parseProgress('0.42')).toBe(0.42);
    expect(parseProgress('1.0000001')).toBe(1);
    expect(parseProgress('-0.01')).toBe(0);
    expect(parseProgress('abc')).toBeNull();
    expect(parseProgress(undefined)).toBeNull();
  });

  it('treats successFlag 2 as failure even with an odd status', () => {
    const r = normalizeRecord({ status: 'WEIRD', successFlag: 2 }, 't1');
    expect(classifyRecord(r, 200)).toMatchObject({ kind: 'failure', status: 'GENERATE_FAILED' });
  });
});
