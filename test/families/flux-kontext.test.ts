import { describe, expect, it } from 'vitest';
import { fluxKontext } from '../../src/families/index.js';
import { fluxKontextFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('flux-kontext family', () => {
  itReadsItsFixtures(fluxKontext, '/api/v1/flux/kontext/record-info', F);

  it('the one resultImageUrl is the result, the origin image is not', () => {
    const v = verdictOf(readFixture(fluxKontext, F.success), 'success');
    expect(v.resultUrls).toEqual(['https://example.com/result.jpg']);
    expect(v.record.response?.originImageUrl).toBe('https://example.com/original.jpg');
  });

  it('reads ISO-8601 times with Z, milliseconds or an offset as zoned', () => {
    expect(verdictOf(readFixture(fluxKontext, F.success), 'success').view).toMatchObject({
      createTime: Date.UTC(2024, 2, 20, 10, 25),
      createTimeZoned: true,
      completeTime: Date.UTC(2024, 2, 20, 10, 30),
    });
    expect(verdictOf(readFixture(fluxKontext, F.generating), 'pending').view.createTime).toBe(Date.UTC(2024, 2, 20, 10, 25, 0, 123));
    expect(verdictOf(readFixture(fluxKontext, F.createFailed), 'failure').view.createTime).toBe(Date.UTC(2024, 2, 20, 2, 25));
  });

  it('successFlag 2 (create failed) and 3 (generate failed) are failures', () => {
    expect(verdictOf(readFixture(fluxKontext, F.createFailed), 'failure').failure.successFlag).toBe(2);
    expect(verdictOf(readFixture(fluxKontext, F.generateFailed), 'failure').failure.successFlag).toBe(3);
  });
});
