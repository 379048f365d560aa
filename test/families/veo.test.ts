import { describe, expect, it } from 'vitest';
import { veo } from '../../src/families/index.js';
import { veoFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('veo family', () => {
  itReadsItsFixtures(veo, '/api/v1/veo/record-info', F);

  it('the observed failure record has no taskId: a failure whose view names no task', () => {
    const v = verdictOf(readFixture(veo, F.failedWithoutTaskId), 'failure');
    expect(v.view.taskId).toBeNull();
    expect(v.failure).toMatchObject({ successFlag: 3, errorCode: 422 });
  });

  it('successFlag 2 and 3 are failures, 0 is pending, 1 success', () => {
    expect(readFixture(veo, F.failed).kind).toBe('failure');
    expect(readFixture(veo, F.failedWithoutTaskId).kind).toBe('failure');
    expect(readFixture(veo, F.generating).kind).toBe('pending');
    expect(readFixture(veo, F.success).kind).toBe('success');
  });

  it('originUrls may be null', () => {
    const v = verdictOf(readFixture(veo, F.successOriginUrlsNull), 'success');
    expect(v.record.response?.originUrls).toBeNull();
    expect(v.record.response?.resolution).toBe('1080p');
  });

  it('reads zone-less time texts as not zoned and epoch times as zoned', () => {
    expect(verdictOf(readFixture(veo, F.success), 'success').view).toMatchObject({ createTime: Date.UTC(2025, 5, 6, 10, 25), createTimeZoned: false, completeTime: Date.UTC(2025, 5, 6, 10, 30) });
    expect(verdictOf(readFixture(veo, F.successOriginUrlsNull), 'success').view).toMatchObject({ createTime: 1749205500000, createTimeZoned: true });
  });

  it('never reports a status: the record has none', () => {
    expect(verdictOf(readFixture(veo, F.success), 'success').view.status).toBeNull();
  });
});
