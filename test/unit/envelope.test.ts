import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpt4oImage, market, type TaskFamily } from '../../src/families/index.js';
import { classifyAnswer, parseRetryAfter, type PollOutcome } from '../../src/transport/envelope.js';
import type { RawAnswer } from '../../src/transport/client.js';

// The envelope half of classification is the same for every family: HTTP status first, then the body
// `code` (error bodies often have no `data` key at all), then the family reads the record.

const res = (body: unknown, statusCode = 200, retryAfter: string | null = null): RawAnswer => ({
  statusCode,
  retryAfter,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  echoesKey: false,
});
const classify = (r: RawAnswer, family: TaskFamily = gpt4oImage): PollOutcome => classifyAnswer(r, family, 't1', 30_000, Date.UTC(2026, 0, 1));
const rec = (fields: Record<string, unknown>) => ({ code: 200, msg: 'success', data: { taskId: 't1', status: 'GENERATING', successFlag: 0, progress: '0.5', ...fields } });

describe('classifyAnswer', () => {
  it.each([
    ['HTTP 429', res('', 429), 'rate-limited'],
    ['body 429 without data', res({ code: 429, msg: 'x' }), 'rate-limited'],
    ['HTTP 502 with HTML', res('<html>bad gateway</html>', 502), 'transient'],
    ['HTTP 408', res('', 408), 'transient'],
    ['body 500 without data', res({ code: 500, msg: 'x' }), 'transient'],
    ['body 455 without data', res({ code: 455, msg: 'maintenance' }), 'transient'],
    ['body 408', res({ code: 408, msg: 'x', data: null }), 'transient'],
    ['body 501 (generation failed)', res({ code: 501, msg: 'x' }), 'task-failed'],
    ['body 505 (feature disabled)', res({ code: 505, msg: 'x', data: null }), 'fatal'],
    ['body 401 without data (captured live)', res({ code: 401, msg: 'You do not have access permissions' }), 'fatal'],
    ['body 402', res({ code: 402, msg: 'x', data: null }), 'fatal'],
    ['HTTP 403 from a CDN', res('<html>blocked</html>', 403), 'fatal'],
    ['HTTP 401 with a success body', res({ code: 200, msg: 'success', data: null }, 401), 'fatal'],
    ['body 422 record is null', res({ code: 422, msg: 'record is null', data: null }), 'unknown-task'],
    ['body 422 recordInfo is null (market, captured live)', res({ code: 422, msg: 'recordInfo is null' }), 'unknown-task'],
    ['body 404', res({ code: 404, msg: 'not found', data: null }), 'unknown-task'],
    ['data null', res({ code: 200, msg: 'success', data: null }), 'unknown-task'],
    ['no data key with code 200', res({ code: 200, msg: 'success' }), 'unknown-task'],
    ['malformed JSON', res('{"code":200,'), 'invalid-answer'],
    ['not an envelope', res([1, 2]), 'invalid-answer'],
    ['redirect', res('', 302), 'invalid-answer'],
    ['body 200 behind HTTP 500', res({ code: 200, data: {} }, 500), 'transient'],
    ['record for another task', res(rec({ taskId: 'other' })), 'invalid'],
    ['GENERATING', res(rec({})), 'pending'],
    ['unknown status', res(rec({ status: 'WARMING_UP' })), 'pending'],
    ['SUCCESS with urls', res(rec({ status: 'SUCCESS', successFlag: 1, response: { resultUrls: ['https://x.example/u.png'] } })), 'success'],
    ['SUCCESS with result_urls', res(rec({ status: 'SUCCESS', successFlag: 1, response: { result_urls: ['https://x.example/u.png'] } })), 'success'],
    ['SUCCESS without urls', res(rec({ status: 'SUCCESS', successFlag: 1, response: { resultUrls: [] } })), 'invalid'],
    ['successFlag 1 without status', res(rec({ status: null, successFlag: 1, response: { resultUrls: ['https://x.example/u.png'] } })), 'success'],
    ['GENERATE_FAILED', res(rec({ status: 'GENERATE_FAILED', successFlag: 2 })), 'failure'],
    ['successFlag 3 with status GENERATING', res(rec({ status: 'GENERATING', successFlag: 3 })), 'failure'],
    ['successFlag as a string', res(rec({ successFlag: '2' })), 'failure'],
    ['extra and missing optional fields', res({ code: 200, msg: 'success', data: { taskId: 't1', extra: { deep: true } } }), 'pending'],
    ['wrong field type', res(rec({ status: 42 })), 'invalid'],
  ])('%s → %s', (_, r, kind) => {
    expect(classify(r).kind).toBe(kind);
  });

  it('reads `message` (market jobs) as well as `msg`', () => {
    expect(classify(res({ code: 401, message: 'Unauthorized' }), market)).toMatchObject({ kind: 'fatal', providerMessage: 'Unauthorized', accountWide: true });
  });

  it('takes a 429 delay from the Retry-After header, else from a `retryAfter` body field (seconds)', () => {
    expect(classify(res({ code: 429, msg: 'x', retryAfter: 2 }))).toMatchObject({ retryAfterMs: 2000 });
    expect(classify(res({ code: 429, msg: 'x', retryAfter: 2 }, 200, '5'))).toMatchObject({ retryAfterMs: 5000 });
    expect(classify(res({ code: 429, msg: 'x' }))).toMatchObject({ retryAfterMs: null });
  });

  it('parses Retry-After as seconds or an HTTP date, capped', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('2', now, 30_000)).toBe(2000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now, 30_000)).toBe(5000);
    expect(parseRetryAfter('86400', now, 30_000)).toBe(30_000);
    expect(parseRetryAfter('soon', now, 30_000)).toBeNull();
    expect(parseRetryAfter(null, now, 30_000)).toBeNull();
  });

  it('never reports a task done unless HTTP and body code are 200 (envelopes of arbitrary JSON, the assertion reached)', () => {
    let finals = 0;
    const flag = fc.constantFrom(0, 1, 2, 3, '1', '2', null);
    // Weighted towards bodies that could end a task, so the assertion below is reached thousands of times.
    const data = fc.oneof(
      { arbitrary: fc.jsonValue(), weight: 1 },
      {
        arbitrary: fc.record({
          taskId: fc.constantFrom('t1', 't1', 'other'),
          status: fc.constantFrom('SUCCESS', 'GENERATING', 'GENERATE_FAILED', null),
          successFlag: flag,
          response: fc.record({ resultUrls: fc.array(fc.string(), { maxLength: 2 }) }),
        }),
        weight: 4,
      },
    );
    const code = fc.oneof({ arbitrary: fc.constantFrom(200, '200'), weight: 3 }, { arbitrary: fc.jsonValue(), weight: 1 });
    const body = fc.record({ code, msg: fc.jsonValue(), data }, { requiredKeys: ['code'] });
    const status = fc.oneof({ arbitrary: fc.constant(200), weight: 3 }, { arbitrary: fc.constantFrom(201, 204, 301, 400, 401, 404, 429, 500, 503), weight: 1 });
    fc.assert(
      fc.property(fc.oneof({ arbitrary: body, weight: 4 }, { arbitrary: fc.jsonValue(), weight: 1 }), status, (json, status) => {
        const out = classifyAnswer({ statusCode: status, retryAfter: null, body: JSON.stringify(json) ?? '', echoesKey: false }, gpt4oImage, 't1', 30_000, 0);
        if (out.kind === 'success' || out.kind === 'failure') {
          finals += 1;
          expect(status).toBe(200);
          expect(Number((json as { code?: unknown }).code)).toBe(200);
          expect(out.view.taskId === null || out.view.taskId === 't1').toBe(true);
          if (out.kind === 'success') expect(out.resultUrls.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3_000 },
    );
    // The property is only worth something if final verdicts were actually produced and checked.
    expect(finals).toBeGreaterThan(200);
  });

  it('never throws on arbitrary bytes, and finality needs body code 200 (records built from arbitrary fields)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const out = classify(res(Buffer.from(bytes).toString('utf8')));
        expect(['success', 'failure']).not.toContain(out.kind);
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.record({ status: fc.option(fc.constantFrom('SUCCESS', 'GENERATING', 'GENERATE_FAILED', 'X')), successFlag: fc.option(fc.integer({ min: 0, max: 4 })) }),
        (code, data) => {
          const out = classify(res({ code, msg: '', data: { ...data, response: { resultUrls: ['https://x.example/u.png'] } } }));
          if (code !== 200) expect(['success', 'failure', 'pending']).not.toContain(out.kind);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
