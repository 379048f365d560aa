import { describe, expect, it } from 'vitest';
import { gpt4oImage } from '../../src/families/index.js';
import { gpt4oImageFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('gpt4o-image family', () => {
  itReadsItsFixtures(gpt4oImage, '/api/v1/gpt4o-image/record-info', F);

  it('successFlag 3 (moderation) is a failure even with no status, and invents none', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.moderatedWithoutStatus), 'failure');
    expect(v.view.status).toBeNull();
    expect(v.failure).toEqual({ status: null, successFlag: 3, errorCode: null, errorMessage: 'Internal Error' });
  });

  it('successFlag 3 beside status GENERATING is a failure by its flag: the view keeps the record\'s status, the failure names none', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.moderatedWhileGenerating), 'failure');
    expect(v.view.status).toBe('GENERATING');
    expect(v.failure.status).toBeNull();
  });

  it('successFlag 2 beats status SUCCESS', () => {
    expect(readFixture(gpt4oImage, F.flagTwoWithSuccessStatus).kind).toBe('failure');
  });

  it('CREATE_TASK_FAILED and GENERATE_FAILED are failures', () => {
    expect(verdictOf(readFixture(gpt4oImage, F.createTaskFailed), 'failure').failure.status).toBe('CREATE_TASK_FAILED');
    expect(verdictOf(readFixture(gpt4oImage, F.generateFailedWithStringFlag), 'failure').failure.status).toBe('GENERATE_FAILED');
  });

  it('takes the URLs from response.result_urls when resultUrls is absent (quickstart spelling)', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.quickstartSuccess), 'success');
    expect(v.record.response?.resultUrls).toHaveLength(2);
  });

  it('reads zone-less quickstart times as UTC and flags them as not zoned', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.quickstartSuccess), 'success');
    expect(v.view.createTime).toBe(Date.UTC(2025, 0, 15, 10, 30, 0));
    expect(v.view.createTimeZoned).toBe(false);
    expect(v.view.completeTime).toBe(Date.UTC(2025, 0, 15, 10, 32, 5));
  });

  it('reads epoch times as zoned and progress as a fraction', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.generating), 'pending');
    expect(v.view).toEqual({ taskId: 'task12345', status: 'GENERATING', progress: 0.48, createTime: 1672561200000, createTimeZoned: true, completeTime: null, model: null });
  });

  it('keeps paramJson raw and parsed', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.success), 'success');
    expect(v.record.paramJson).toBe('{"prompt":"A beautiful sunset over the mountains","size":"1:1","isEnhance":false}');
    expect(v.record.params).toEqual({ prompt: 'A beautiful sunset over the mountains', size: '1:1', isEnhance: false });
    expect(v.params).toEqual(v.record.params);
  });

  it('SUCCESS without a URL is invalid, naming where the URLs should be', () => {
    const v = verdictOf(readFixture(gpt4oImage, F.successWithoutUrls), 'invalid');
    expect(v.reason).toBe('SUCCESS without a result URL');
    expect(v.issues).toEqual([{ path: ['data', 'response', 'resultUrls'], message: 'no non-empty result URL' }]);
  });

  it('an undocumented status is pending with unknownStatus', () => {
    expect(verdictOf(readFixture(gpt4oImage, F.unknownStatus), 'pending').unknownStatus).toBe(true);
  });

  it('an undocumented successFlag is pending with unknownStatus', () => {
    const v = verdictOf(gpt4oImage.read({ taskId: 't', successFlag: 9 }, 't'), 'pending');
    expect(v.unknownStatus).toBe(true);
    expect(v.view.status).toBeNull();
  });

  it('a malformed paramJson does not fail a finished task', () => {
    const v = verdictOf(gpt4oImage.read({ taskId: 't', successFlag: 1, status: 'SUCCESS', paramJson: '{oops', response: { resultUrls: ['https://x/1.png'] } }, 't'), 'success');
    expect(v.params).toBeNull();
    expect(v.record.paramJson).toBe('{oops');
  });
});
