/**
 * Properties of the engine's one decision, `decide(task, answer, limits, now)` (src/engine/decide.ts), over
 * generated answers, streaks and limits; and, through `classifyAnswer`, over generated HTTP answers, so that a
 * rule holds for what the wire can say and not only for the outcomes we thought of.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS } from '../../src/clock.js';
import { decide, type Answer, type DecisionLimits, type DecisionTask, type Step } from '../../src/engine/decide.js';
import type { RecordView } from '../../src/families/family.js';
import { gpt4oImage } from '../../src/families/index.js';
import { classifyAnswer } from '../../src/transport/envelope.js';

const TASK = 'decide-task';
const view: RecordView = { taskId: TASK, status: 'GENERATING', progress: 0.5, createTime: null, createTimeZoned: true, completeTime: null, model: null };

const limitsArb: fc.Arbitrary<DecisionLimits> = fc.record({
  retry: fc.record({
    baseDelayMs: fc.integer({ min: 0, max: 60_000 }),
    maxDelayMs: fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.constant(MAX_TIMER_MS)),
    maxConsecutiveErrors: fc.integer({ min: 1, max: 40 }),
    maxInvalidResponses: fc.integer({ min: 1, max: 40 }),
  }),
  unknownTaskGraceMs: fc.integer({ min: 0, max: 120_000 }),
  minIntervalMs: fc.oneof(fc.constant(334), fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 5_000, noNaN: true })),
  redact: fc.constant((t: string) => t.replaceAll('SECRET', '[redacted]')),
  random: fc.double({ min: 0, max: 0.999_999, noNaN: true }).map((r) => () => r),
}) as fc.Arbitrary<DecisionLimits>;

const taskArb: fc.Arbitrary<DecisionTask> = fc.record({
  taskId: fc.constant(TASK),
  family: fc.constant({ id: 'gpt4o-image' }),
  watchedAt: fc.integer({ min: 0, max: 1_000_000 }),
  errors: fc.integer({ min: 0, max: 50 }),
  invalid: fc.integer({ min: 0, max: 50 }),
  rateStreak: fc.integer({ min: 0, max: 50 }),
});

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constant('key SECRET echoed'));
const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ kind: fc.constant('pending' as const), record: fc.constant({}), view: fc.constant(view), unknownStatus: fc.boolean() }),
  fc.record({ kind: fc.constant('success' as const), record: fc.constant({}), view: fc.constant(view), resultUrls: fc.constant(['https://a/1.png']), params: fc.constant(null) }),
  fc.record({ kind: fc.constant('invalid' as const), reason: text, issues: fc.constant([]) }),
  fc.record({ kind: fc.constant('invalid-answer' as const), reason: text, issues: fc.constant([]), httpStatus: fc.integer({ min: 200, max: 599 }) }),
  fc.record({ kind: fc.constant('unknown-task' as const), providerCode: fc.constantFrom(404, 422), providerMessage: text }),
  fc.record({ kind: fc.constant('rate-limited' as const), scope: fc.constantFrom('http' as const, 'body' as const), retryAfterMs: fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: null }) }),
  fc.record({ kind: fc.constant('transient' as const), reason: text, httpStatus: fc.integer({ min: 500, max: 599 }), providerCode: fc.option(fc.integer(), { nil: null }) }),
  fc.record({ kind: fc.constant('transport' as const), error: fc.constantFrom(Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'weird', null) }),
  fc.record({ kind: fc.constant('task-failed' as const), providerCode: fc.constant(501), providerMessage: text }),
  fc.record({ kind: fc.constant('fatal' as const), providerCode: fc.integer({ min: 400, max: 599 }), providerMessage: text, httpStatus: fc.integer({ min: 200, max: 599 }), accountWide: fc.boolean() }),
) as fc.Arbitrary<Answer>;

/** Applies a step's streak to the task, as `answers.ts` does. */
function after(task: DecisionTask, step: Step): DecisionTask {
  if ((step.kind === 'retry' || step.kind === 'fail') && step.streak !== null) return { ...task, [step.streak]: task[step.streak] + 1 };
  return task;
}

describe('decide()', () => {
  it('never changes the task it reads, and a non-final answer never settles', () => {
    fc.assert(
      fc.property(taskArb, answerArb, limitsArb, fc.integer({ min: 0, max: 2_000_000 }), (task, answer, limits, now) => {
        const before = JSON.stringify(task);
        const step = decide(task, answer, limits, now);
        expect(JSON.stringify(task)).toBe(before);
        if (step.kind === 'settle') expect(['success', 'failure', 'task-failed']).toContain(answer.kind);
        if (answer.kind === 'pending') expect(step.kind).toBe('observe');
        if (step.kind === 'observe') expect(answer.kind).toBe('pending');
      }),
      { numRuns: 2_000 },
    );
  });

  it('every retry delay is a whole number of ms within [per-task spacing, timer maximum]', () => {
    fc.assert(
      fc.property(taskArb, answerArb, limitsArb, fc.integer({ min: 0, max: 2_000_000 }), (task, answer, limits, now) => {
        const step = decide(task, answer, limits, now);
        if (step.kind !== 'retry') return;
        expect(Number.isInteger(step.delayMs)).toBe(true);
        expect(step.delayMs).toBeGreaterThanOrEqual(limits.minIntervalMs);
        expect(step.delayMs).toBeLessThanOrEqual(MAX_TIMER_MS);
        expect(step.attempt).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 2_000 },
    );
  });

  it('retries are bounded: a run of errors or invalid answers fails the task at the limit, never later', () => {
    const failing = answerArb.filter((a) => a.kind === 'transient' || a.kind === 'transport' || a.kind === 'invalid' || a.kind === 'invalid-answer');
    fc.assert(
      fc.property(limitsArb, fc.array(failing, { minLength: 1, maxLength: 120 }), (limits, answers) => {
        let task: DecisionTask = { taskId: TASK, family: { id: 'gpt4o-image' }, watchedAt: 0, errors: 0, invalid: 0, rateStreak: 0 };
        const bound = limits.retry.maxConsecutiveErrors + limits.retry.maxInvalidResponses - 1;
        let retries = 0;
        for (const answer of answers) {
          const step = decide(task, answer, limits, 0);
          task = after(task, step);
          if (step.kind === 'fail') {
            const hit = task.errors >= limits.retry.maxConsecutiveErrors || task.invalid >= limits.retry.maxInvalidResponses;
            expect(hit).toBe(true);
            return;
          }
          expect(step.kind).toBe('retry');
          expect(task.errors).toBeLessThan(limits.retry.maxConsecutiveErrors);
          expect(task.invalid).toBeLessThan(limits.retry.maxInvalidResponses);
          retries += 1;
          expect(retries).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('a task unknown to the API is retried only within the grace, and never past its end', () => {
    fc.assert(
      fc.property(taskArb, limitsArb, fc.integer({ min: 0, max: 2_000_000 }), (task, limits, now) => {
        const step = decide(task, { kind: 'unknown-task', providerCode: 404, providerMessage: 'record is null' }, limits, now);
        const left = task.watchedAt + limits.unknownTaskGraceMs - now;
        if (left <= 0) expect(step.kind).toBe('fail');
        else {
          expect(step.kind).toBe('retry');
          if (step.kind === 'retry') expect(step.delayMs).toBeLessThanOrEqual(Math.ceil(Math.max(limits.minIntervalMs, left)));
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('a 401, 402 or 403 from the wire always halts, whatever the body says', () => {
    const body = fc.oneof(fc.string(), fc.record({ code: fc.oneof(fc.integer(), fc.string()), msg: fc.string() }).map((j) => JSON.stringify(j)));
    fc.assert(
      fc.property(taskArb, limitsArb, fc.constantFrom(401, 403), body, (task, limits, http, b) => {
        const answer = classifyAnswer({ statusCode: http, retryAfter: null, body: b, echoesKey: false }, gpt4oImage, TASK, 30_000, 0);
        expect(decide(task, answer, limits, 0).kind).toBe('halt');
      }),
    );
    fc.assert(
      fc.property(taskArb, limitsArb, fc.constantFrom(401, 402, '401', '402'), fc.string(), (task, limits, code, msg) => {
        const answer = classifyAnswer({ statusCode: 200, retryAfter: null, body: JSON.stringify({ code, msg, data: null }), echoesKey: false }, gpt4oImage, TASK, 30_000, 0);
        const step = decide(task, answer, limits, 0);
        expect(step.kind).toBe('halt');
        if (step.kind === 'halt') expect(step.error.accountWide).toBe(true);
      }),
    );
  });

  it('any other fatal body code fails that task only, and provider text reaches the error only redacted', () => {
    const fatalCode = fc.integer({ min: 400, max: 499 }).filter((c) => ![401, 402, 404, 408, 422, 429, 455].includes(c));
    fc.assert(
      fc.property(taskArb, limitsArb, fatalCode, (task, limits, code) => {
        const body = JSON.stringify({ code, msg: 'bad SECRET here', data: null });
        const answer = classifyAnswer({ statusCode: 200, retryAfter: null, body, echoesKey: false }, gpt4oImage, TASK, 30_000, 0);
        const step = decide(task, answer, limits, 0);
        expect(step.kind).toBe('fail');
        if (step.kind !== 'fail') return;
        expect(step.error.taskId).toBe(TASK);
        expect(step.error.message).not.toContain('SECRET');
      }),
    );
  });

  it('a 429 is retried without end, no sooner than Retry-After and the per-task spacing', () => {
    fc.assert(
      fc.property(taskArb, limitsArb, fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: null }), (task, limits, retryAfterMs) => {
        const step = decide(task, { kind: 'rate-limited', scope: 'http', retryAfterMs }, limits, 0);
        expect(step.kind).toBe('retry');
        if (step.kind !== 'retry') return;
        expect(step.streak).toBe('rateStreak');
        expect(step.rateLimited).toEqual({ source: 'http', retryAfterMs });
        expect(step.delayMs).toBeGreaterThanOrEqual(Math.max(retryAfterMs ?? 0, limits.minIntervalMs));
      }),
    );
  });
});
