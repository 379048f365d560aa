import { describe, expect, it } from 'vitest';
import { luma } from '../../src/families/index.js';
import { lumaFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('luma family', () => {
  itReadsItsFixtures(luma, '/api/v1/modify/record-info', F);

  it('successFlag 4 (callback failed) is a success with the result URLs', () => {
    const v = verdictOf(readFixture(luma, F.successCallbackFailed), 'success');
    expect(v.record.successFlag).toBe(4);
    expect(v.resultUrls).toEqual(['https://tempfile.aiquickdraw.com/l/f782018c-6be4-4990-96ba-7231cd5a39e7.mp4']);
  });

  it('successFlag 2 and 3 are failures', () => {
    expect(readFixture(luma, F.createFailed).kind).toBe('failure');
    expect(readFixture(luma, F.generateFailed).kind).toBe('failure');
  });

  it('keeps the origin URLs apart from the results', () => {
    const v = verdictOf(readFixture(luma, F.success), 'success');
    expect(v.record.response?.originUrls).toEqual(['https://tempfile.aiquickdraw.com/kieai/file/veo3-video/1755074605154fqb0m8ge.mp4']);
    expect(v.resultUrls).not.toContain(v.record.response?.originUrls[0]);
  });
});
