import { describe, expect, expectTypeOf, it } from 'vitest';
import { suno, type SunoTrack } from '../../src/families/index.js';
import { sunoFixtures as F } from '../fixtures/families/index.js';
import { itReadsItsFixtures, readFixture, verdictOf } from './helpers.js';

describe('suno family', () => {
  itReadsItsFixtures(suno, '/api/v1/generate/record-info', F);

  it('TEXT_SUCCESS and FIRST_SUCCESS are not final, even with an audio URL present', () => {
    expect(verdictOf(readFixture(suno, F.textSuccess), 'pending').unknownStatus).toBe(false);
    const first = verdictOf(readFixture(suno, F.firstSuccess), 'pending');
    expect(first.record.response?.sunoData[0]?.audioUrl).toBe('https://example.cn/e231.mp3');
  });

  it('SUCCESS gives every track\'s audioUrl, in order', () => {
    expect(verdictOf(readFixture(suno, F.success), 'success').resultUrls).toEqual(['https://example.cn/e231.mp3', 'https://example.cn/8551.mp3']);
  });

  it('types and folds the tracks', () => {
    const v = verdictOf(readFixture(suno, F.success), 'success');
    const track = v.record.response?.sunoData[0];
    expectTypeOf(track).toEqualTypeOf<SunoTrack | undefined>();
    expect(track).toEqual({
      id: 'e231',
      audioUrl: 'https://example.cn/e231.mp3',
      streamAudioUrl: 'https://example.cn/stream/e231',
      imageUrl: 'https://example.cn/e231.jpeg',
      prompt: '[Verse] Quiet keys at dawn',
      modelName: 'chirp-v3-5',
      title: 'Peaceful Piano',
      tags: 'calm, piano',
      createTime: Date.UTC(2025, 0, 1),
      duration: 198.44,
    });
  });

  it.each(['CREATE_TASK_FAILED', 'GENERATE_AUDIO_FAILED', 'CALLBACK_EXCEPTION', 'SENSITIVE_WORD_ERROR'])('%s is a failure', (status) => {
    expect(verdictOf(suno.read({ taskId: 't', status }, 't'), 'failure').failure.status).toBe(status);
  });

  it('param is a JSON text: kept raw and parsed', () => {
    const v = verdictOf(readFixture(suno, F.success), 'success');
    expect(typeof v.record.param).toBe('string');
    expect(v.params).toMatchObject({ model: 'V3_5', instrumental: true });
  });
});
