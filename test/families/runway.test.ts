import { describe, expect, it } from 'vitest';
import { runway } from '../../src/families/index.js';
import { runwayFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('runway family', () => {
  itReadsItsFixtures(runway, '/api/v1/runway/record-detail', F);

  it('failCode and failMsg on a success are ignored: it is a success', () => {
    const v = verdictOf(readFixture(runway, F.successWithFailFields), 'success');
    expect(v.record.failCode).toBe(400);
    expect(v.resultUrls).toEqual(['https://file.com/k/xxxxxxx.mp4']);
  });

  it('the cover image (videoInfo.imageUrl) is not a result', () => {
    expect(verdictOf(readFixture(runway, F.success), 'success').resultUrls).not.toContain('https://file.com/m/xxxxxxxx.png');
    expect(readFixture(runway, F.successWithOnlyCover).kind).toBe('invalid');
  });

  it('wait, queueing and generating are pending', () => {
    for (const f of [F.wait, F.queueing, F.generating]) expect(verdictOf(readFixture(runway, f), 'pending').unknownStatus).toBe(false);
  });

  it('fail is a failure with failCode and failMsg', () => {
    expect(verdictOf(readFixture(runway, F.fail), 'failure').failure).toEqual({ status: 'fail', successFlag: null, errorCode: 400, errorMessage: 'Generation failed, please try again later' });
  });

  it('generateTime (a zone-less text) is the creation time, flagged as not zoned', () => {
    const v = verdictOf(readFixture(runway, F.wait), 'pending');
    expect(v.view.createTime).toBe(Date.UTC(2023, 7, 15, 14, 30, 45));
    expect(v.view.createTimeZoned).toBe(false);
    expect(v.record.generateTimeZoned).toBe(false);
  });

  it('keeps expireFlag, an empty parentTaskId as none, and generateParam as params', () => {
    const v = verdictOf(readFixture(runway, F.success), 'success');
    expect(v.record.expireFlag).toBe(0);
    expect(v.record.parentTaskId).toBeNull();
    expect(v.params).toMatchObject({ expandPrompt: true });
  });
});
