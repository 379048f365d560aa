import { describe, expect, it } from 'vitest';
import { midjourney } from '../../src/families/index.js';
import { mjFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('mj family', () => {
  itReadsItsFixtures(midjourney, '/api/v1/mj/record-info', F);

  it('folds resultInfoJson.resultUrls, an array of { resultUrl } objects, to texts', () => {
    const v = verdictOf(readFixture(midjourney, F.success), 'success');
    expect(v.record.resultInfoJson?.resultUrls).toHaveLength(4);
    expect(v.resultUrls.every((u) => typeof u === 'string' && u.startsWith('https://'))).toBe(true);
  });

  it('keeps taskType and reads ISO-8601 times', () => {
    const v = verdictOf(readFixture(midjourney, F.success), 'success');
    expect(v.record.taskType).toBe('mj_txt2img');
    expect(v.view).toMatchObject({ createTime: Date.UTC(2024, 2, 20, 10, 30), createTimeZoned: true });
  });

  it('successFlag 2 and 3 are failures', () => {
    expect(verdictOf(readFixture(midjourney, F.failed), 'failure').failure.successFlag).toBe(2);
    expect(verdictOf(readFixture(midjourney, F.generationFailed), 'failure').failure.successFlag).toBe(3);
  });
});
