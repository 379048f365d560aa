/**
 * Property tests for the answer classifier (src/transport/envelope.ts, with the gpt4o-image family) beyond
 * test/unit/envelope.test.ts:
 * any HTTP status, any Retry-After, envelope-shaped bodies built from hostile field values, arbitrary
 * bytes under every status, prototype-pollution keys and pathological JSON. The classifier never throws,
 * and never reports a task done (success/failure) unless both the HTTP status and the body code are 200
 * and the record is for the requested task. Then the same at the watcher level: a watcher fed arbitrary
 * answers only ever settles with a KieWatcherError or a real success.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpt4oImage } from '../../src/families/index.js';
import { classifyAnswer, parseRetryAfter, type PollOutcome } from '../../src/transport/envelope.js';
import { KieWatcherError, TaskWatcher } from '../../src/index.js';
import { testClock } from '../helpers/fake-clock.js';
import { BASE, mockApi, type Reply } from '../helpers/mock-api.js';
import { failOnProcessErrors } from './helpers.js';

failOnProcessErrors();

const TASK = 'fuzz-task';
const NOW = Date.UTC(2026, 0, 1);

const httpStatus = fc.oneof(fc.constantFrom(200, 200, 200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 408, 422, 429, 455, 500, 502, 503, 504, 505), fc.integer({ min: 100, max: 599 }));
const retryAfter = fc.option(fc.oneof(fc.string(), fc.constantFrom('1', '0', '-1', '1e9', 'NaN', 'Infinity', ' 2 ', '1.5', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT')), { nil: null });
const hostileScalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, 2, 3, 4, -1, 200, '200', '1', '2', '3', '', 'SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'GENERATING', '1.00', 'NaN', 1e308, -0, 0.5),
  fc.string({ maxLength: 20 }),
  fc.double(),
  fc.integer(),
);
const hostileValue = fc.oneof(hostileScalar, fc.array(hostileScalar, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), hostileScalar, { maxKeys: 3 }));
const code = fc.oneof(fc.constantFrom(200, '200', 200.0, 200.5, '200 ', ' 200', '0200', 2e2, true, null, 422, 429, 455, 500, 401, 402, 404, 501, 505, '429'), fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 5 }));
const record = fc.record(
  {
    taskId: fc.oneof(fc.constant(TASK), fc.constant('another-task'), hostileScalar),
    status: hostileValue,
    successFlag: hostileValue,
    progress: hostileValue,
    response: fc.oneof(
      hostileValue,
      fc.record({ resultUrls: fc.oneof(hostileValue, fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 })), result_urls: fc.oneof(hostileValue, fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 })) }, { requiredKeys: [] }),
    ),
    createTime: hostileValue,
    completeTime: hostileValue,
    errorCode: hostileValue,
    errorMessage: hostileValue,
    paramJson: hostileValue,
  },
  { requiredKeys: [] },
);
const envelopeBody = fc.record({ code, msg: hostileValue, data: fc.oneof(record, hostileValue) }, { requiredKeys: [] });

function classify(statusCode: number, body: string, ra: string | null = null): PollOutcome {
  return classifyAnswer({ statusCode, retryAfter: ra, body, echoesKey: false }, gpt4oImage, TASK, 30_000, NOW);
}

/** The only bodies allowed to end a task: HTTP 200, body code exactly 200, a record of this task. */
function assertFinalityIsEarned(out: PollOutcome, statusCode: number, json: unknown): void {
  if (out.kind !== 'success' && out.kind !== 'failure') return;
  expect(statusCode).toBe(200);
  const c = (json as { code?: unknown }).code;
  expect(c === 200 || c === '200').toBe(true);
  expect(out.view.taskId === null || out.view.taskId === TASK).toBe(true);
  const dataTaskId = ((json as { data?: { taskId?: unknown } }).data ?? {}).taskId;
  expect(dataTaskId === undefined || dataTaskId === null || dataTaskId === '' || dataTaskId === TASK).toBe(true);
  if (out.kind === 'success') expect(out.resultUrls.length).toBeGreaterThan(0);
}

describe('classifyResponse under fuzzing', () => {
  it('envelope-shaped bodies of hostile field values, any status, any Retry-After: never throws, never ends a task without HTTP 200 + code 200', () => {
    fc.assert(
      fc.property(envelopeBody, httpStatus, retryAfter, (json, status, ra) => {
        const out = classify(status, JSON.stringify(json), ra);
        assertFinalityIsEarned(out, status, json);
        if (out.kind === 'rate-limited' && out.retryAfterMs !== null) {
          expect(out.retryAfterMs).toBeGreaterThanOrEqual(0);
          expect(out.retryAfterMs).toBeLessThanOrEqual(30_000);
        }
        if (out.kind === 'pending') expect(out.view.progress === null || (out.view.progress >= 0 && out.view.progress <= 1)).toBe(true);
      }),
      { numRuns: 4_000 },
    );
  });

  it('arbitrary JSON under every status: never throws, never ends a task without HTTP 200 + code 200', () => {
    fc.assert(
      fc.property(fc.jsonValue(), httpStatus, (json, status) => {
        const out = classify(status, JSON.stringify(json) ?? '');
        if (typeof json === 'object' && json !== null) assertFinalityIsEarned(out, status, json);
        else expect(['success', 'failure']).not.toContain(out.kind);
      }),
      { numRuns: 2_000 },
    );
  });

  it('arbitrary bytes under every status (and bytes appended to a valid success body): never throws, never ends a task', () => {
    const valid = JSON.stringify({ code: 200, msg: 'success', data: { taskId: TASK, status: 'SUCCESS', successFlag: 1, response: { resultUrls: ['https://x/y.png'] } } });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), httpStatus, fc.boolean(), (bytes, status, append) => {
        const text = Buffer.from(bytes).toString('utf8');
        const body = append ? valid + text : text;
        const out = classify(status, body);
        if (out.kind === 'success' || out.kind === 'failure') {
          // Only possible when the appended bytes are JSON whitespace and the status is 200.
          expect(status).toBe(200);
          expect(body.trim().startsWith(valid)).toBe(true);
          expect(JSON.parse(body)).toEqual(JSON.parse(valid));
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('prototype-pollution keys are inert: nothing leaks onto Object.prototype and they do not make a body final', () => {
    const polluting = fc.record({
      __proto__: fc.constant({ code: 200, polluted: true }),
      constructor: fc.constant({ prototype: { polluted: true } }),
      code: fc.oneof(fc.constant(401), fc.constant(500), fc.constant(undefined)),
      data: fc.constant({ __proto__: { status: 'SUCCESS', successFlag: 1, response: { resultUrls: ['u'] } }, taskId: TASK }),
    });
    fc.assert(
      fc.property(polluting, (obj) => {
        // JSON text with a literal "__proto__" key, as an attacker would send it.
        const text = JSON.stringify(obj).replace('"code"', '"__proto__":{"code":200},"code"');
        const out = classify(200, text);
        expect(['success', 'failure']).not.toContain(out.kind);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        expect(({} as Record<string, unknown>)['code']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('pathological JSON (deep nesting, huge numbers, long strings, lone surrogates) is classified, not thrown', () => {
    const bodies = [
      '['.repeat(200_000),
      `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
      `{"code":200,"msg":"","data":{"taskId":"${TASK}","status":"SUCCESS","successFlag":1e400,"response":{"resultUrls":["u"]}}}`,
      `{"code":1e400,"msg":"","data":null}`,
      `{"code":200,"msg":"","data":{"taskId":"${TASK}","progress":"1e400","createTime":1e400}}`,
      `{"code":200,"msg":"${'x'.repeat(500_000)}","data":null}`,
      `{"code":200,"msg":"\\ud800","data":{"taskId":"\\udfff"}}`,
      `{"code":200,"msg":"","data":{"taskId":"${TASK}","status":"SUCCESS","successFlag":1,"response":{"resultUrls":[${'"u",'.repeat(50_000)}"u"]}}}`,
      `{"code":200,"code":401,"msg":"","data":null}`,
      '\ufeff{"code":200,"msg":"","data":null}',
      'null',
      '',
    ];
    for (const status of [200, 401, 500]) {
      for (const body of bodies) {
        const out = classify(status, body);
        expect(typeof out.kind).toBe('string');
        if (out.kind === 'success') {
          expect(status).toBe(200);
          expect(out.resultUrls.length).toBeGreaterThan(0);
        }
      }
    }
    // Duplicate keys: the last one wins in JSON.parse, so `code` 401 is what the classifier sees.
    expect(classify(200, '{"code":200,"code":401,"msg":"","data":null}').kind).toBe('fatal');
  });

  it('parseRetryAfter always returns null or a delay within [0, cap]', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom('-5', '1e400', '99999999999999999999', 'Thu, 01 Jan 1970 00:00:00 GMT', '  7  ')), fc.integer({ min: 0, max: 120_000 }), (value, cap) => {
        const ms = parseRetryAfter(value, NOW, cap);
        if (ms !== null) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('a watcher fed arbitrary answers', () => {
  const answer: fc.Arbitrary<Reply> = fc.oneof(
    fc.record({ status: httpStatus, body: fc.oneof(envelopeBody, fc.jsonValue()) }).map((r) => ({ status: r.status, body: JSON.stringify(r.body) ?? '' })),
    fc.record({ status: httpStatus, body: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')) }),
    fc.record({ status: fc.constantFrom(429, 503), body: fc.constant(''), headers: fc.constant({ 'retry-after': '1' }) }),
  );

  it('settles every wait with a real success or a KieWatcherError; never an unhandled rejection, never done from a non-200 answer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { minLength: 1, maxLength: 12 }), async (script) => {
        const clock = testClock();
        let last: Reply | undefined;
        const api = mockApi((_, n) => (last = script[Math.min(n, script.length - 1)] as Reply), clock.now);
        const w = new TaskWatcher({
          apiKey: 'k',
          baseUrl: BASE,
          dispatcher: api.agent,
          clock,
          random: () => 0.5,
          unknownTaskGraceMs: 5_000,
          maxResponseBytes: 4_096,
          retry: { baseDelayMs: 100, maxDelayMs: 1_000, maxConsecutiveErrors: 4, maxInvalidResponses: 3 },
        });
        let settled: { ok: boolean; value: unknown } | undefined;
        w.waitForCompletion(TASK, { timeoutMs: 60_000 }).then(
          (value) => (settled = { ok: true, value }),
          (value: unknown) => (settled = { ok: false, value }),
        );
        try {
          await clock.advance(62_000, 500);
          expect(settled).toBeDefined();
          if (settled?.ok) {
            // The answer that ended it was a real success.
            expect(last?.status ?? 200).toBe(200);
            const body = JSON.parse(last?.body as string) as { code: unknown };
            expect(body.code === 200 || body.code === '200').toBe(true);
          } else {
            expect(settled?.value).toBeInstanceOf(KieWatcherError);
          }
          expect(w.stats()).toMatchObject({ pending: 0 });
        } finally {
          await w.close();
          await api.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
