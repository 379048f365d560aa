import { describe, expect, it } from 'vitest';
import { market } from '../../src/families/index.js';
import { marketFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('market family', () => {
  itReadsItsFixtures(market, '/api/v1/jobs/recordInfo', F);

  it('waiting, queuing and generating are pending', () => {
    for (const f of [F.waiting, F.queuing, F.generating]) expect(verdictOf(readFixture(market, f), 'pending').unknownStatus).toBe(false);
  });

  it('resultJson is a JSON text: kept raw and parsed, its resultUrls the result', () => {
    const v = verdictOf(readFixture(market, F.success), 'success');
    expect(v.record.resultJson).toBe('{"resultUrls":["https://example.com/generated-content.jpg"]}');
    expect(v.record.result).toEqual({ resultUrls: ['https://example.com/generated-content.jpg'] });
  });

  it('param is a JSON text: kept raw and parsed as params', () => {
    const v = verdictOf(readFixture(market, F.success), 'success');
    expect(typeof v.record.param).toBe('string');
    expect(v.record.params).toMatchObject({ model: 'grok-imagine/text-to-image' });
  });

  it('empty failCode and failMsg mean none', () => {
    const v = verdictOf(readFixture(market, F.success), 'success');
    expect(v.record.failCode).toBeNull();
    expect(v.record.failMsg).toBeNull();
  });

  it('fail is a failure carrying failCode and failMsg', () => {
    const v = verdictOf(readFixture(market, F.fail), 'failure');
    expect(v.failure).toEqual({ status: 'fail', successFlag: null, errorCode: 500, errorMessage: 'Generation failed, please try again later' });
  });

  it('reads the epoch times, updateTime included, as numbers or digit texts', () => {
    const v = verdictOf(readFixture(market, F.success), 'success');
    expect(v.view).toMatchObject({ createTime: 1698765400000, completeTime: 1698765432000, createTimeZoned: true });
    expect(v.record.updateTime).toBe(1698765432000);
    expect(verdictOf(readFixture(market, F.generating), 'pending').record.updateTime).toBe(1757000004000);
  });

  it('a resultJson that is not JSON gives no URL, so the success is invalid', () => {
    expect(verdictOf(readFixture(market, F.successWithUnparseableResultJson), 'invalid').issues[0]?.path).toEqual(['data', 'resultJson']);
  });
});
