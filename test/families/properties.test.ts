/**
 * Properties every built-in family keeps, over arbitrary JSON and over records assembled from every
 * family's field names with hostile and realistic values: `read` never throws, a success always carries
 * at least one non-empty URL, and the status a verdict reports is the record's own text or null.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAMILIES, type FamilyVerdict, type KnownFamilyId } from '../../src/families/index.js';

const TASK = 'prop-task';
/** Where each family's status text lives in `data`; `null` for the families that have only a flag. */
const STATUS_KEY: Record<KnownFamilyId, 'status' | 'state' | null> = {
  'gpt4o-image': 'status',
  market: 'state',
  veo: null,
  'flux-kontext': null,
  runway: 'state',
  luma: null,
  suno: 'status',
  mj: null,
};
const STATUSES = [
  'GENERATING', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_FAILED', 'PENDING', 'TEXT_SUCCESS', 'FIRST_SUCCESS', 'GENERATE_AUDIO_FAILED',
  'CALLBACK_EXCEPTION', 'SENSITIVE_WORD_ERROR', 'waiting', 'queuing', 'queueing', 'wait', 'generating', 'success', 'fail',
];
/** Real result URLs, blanks, and the hostile shapes a provider (or a proxy) has sent in their place. */
const HOSTILE_URLS = [
  'null',
  'javascript:alert(1)',
  '["https://example.com/1.png","https://example.com/2.png"]',
  '["https://example.com/1.png"',
  '["null"]',
  'ftp://example.com/a.png',
  '/relative/a.png',
  'data:image/png;base64,AAAA',
  'example.com/a.png',
  'https://',
];
const URL = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('https://example.com/a.png', '', '  ', 'https://example.com/b.mp4', 'http://127.0.0.1:8080/c.mp3') },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_URLS) },
);
const scalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, 1, 2, 3, 4, -1, '0', '1', '2', '3', '4', '', '1.00', '48%', 'NaN', 1e308, 0.5, 1672561200000, '2025-01-01 00:00:00', '2024-03-20T10:30:00Z'),
  fc.string({ maxLength: 12 }),
  fc.double(),
);
const value = fc.oneof(scalar, fc.array(fc.oneof(scalar, URL), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }));
const urls = fc.oneof(value, URL, fc.array(URL, { maxLength: 3 }));
const GOOD_URL = fc.constantFrom('https://example.com/a.mp3', 'https://example.com/b.mp3');
const track = fc.record({ audioUrl: fc.oneof({ weight: 4, arbitrary: GOOD_URL }, URL, value), streamAudioUrl: URL, title: value, duration: value, createTime: value }, { requiredKeys: [] });
const response = fc.oneof(
  value,
  fc.record(
    {
      resultUrls: urls,
      result_urls: urls,
      originUrls: urls,
      resultImageUrl: fc.oneof(URL, value),
      sunoData: fc.oneof(value, fc.array(track, { maxLength: 2 }), fc.array(fc.oneof(track, value), { maxLength: 3 })),
      resolution: value,
    },
    { requiredKeys: [] },
  ),
);
const jsonText = fc.oneof(
  value,
  { weight: 3, arbitrary: fc.array(URL, { maxLength: 3 }).map((resultUrls) => JSON.stringify({ resultUrls })) },
  { weight: 2, arbitrary: fc.array(URL, { maxLength: 3 }).map((u) => JSON.stringify({ resultUrls: u.map((resultUrl) => ({ resultUrl })) })) },
  fc.string({ maxLength: 20 }),
);
const statusValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...STATUSES) }, { weight: 1, arbitrary: value });
const recordArb = fc.record(
  {
    taskId: fc.oneof(fc.constant(TASK), fc.constant('another-task'), scalar),
    status: statusValue,
    state: statusValue,
    successFlag: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, '1', '3'), value),
    progress: value,
    response,
    resultJson: jsonText,
    resultInfoJson: fc.oneof(jsonText, fc.record({ resultUrls: fc.array(fc.oneof(fc.record({ resultUrl: URL }), URL, value), { maxLength: 3 }) })),
    videoInfo: fc.oneof(value, fc.record({ videoUrl: fc.oneof(URL, value), imageUrl: URL }, { requiredKeys: [] })),
    createTime: value,
    completeTime: value,
    generateTime: value,
    errorCode: value,
    errorMessage: value,
    failCode: value,
    failMsg: value,
    paramJson: jsonText,
    param: jsonText,
  },
  { requiredKeys: [] },
);
const anyData = fc.oneof({ weight: 1, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: fc.anything() }, { weight: 4, arbitrary: recordArb });
const familyIds = Object.keys(FAMILIES) as KnownFamilyId[];

function read(id: KnownFamilyId, data: unknown): FamilyVerdict<unknown> {
  return (FAMILIES[id] as { read(d: unknown, t: string): FamilyVerdict<unknown> }).read(data, TASK);
}

describe.each(familyIds)('%s family properties', (id) => {
  it('read never throws on arbitrary values and always answers one of the four kinds', () => {
    fc.assert(
      fc.property(anyData, (data) => {
        expect(['pending', 'success', 'failure', 'invalid']).toContain(read(id, data).kind);
      }),
      { numRuns: 500 },
    );
  });

  it('never reports success without a result URL, and every result URL is an absolute http(s) URL (never a JSON text, "null" or javascript:)', () => {
    fc.assert(
      fc.property(anyData, (data) => {
        const v = read(id, data);
        if (v.kind !== 'success') return;
        expect(v.resultUrls.length).toBeGreaterThan(0);
        for (const u of v.resultUrls) expect(['http:', 'https:']).toContain(new globalThis.URL(u).protocol);
      }),
      { numRuns: 500 },
    );
  });

  it('never reports a status that is not the record\'s own, nor a record of another task', () => {
    fc.assert(
      fc.property(anyData, (data) => {
        const v = read(id, data);
        if (v.kind === 'invalid') return;
        const key = STATUS_KEY[id];
        const own = key !== null && data !== null && typeof data === 'object' && typeof (data as Record<string, unknown>)[key] === 'string' ? (data as Record<string, string>)[key] : null;
        expect(v.view.status).toBe(own ?? null);
        if (v.kind === 'failure') expect([own ?? null, null]).toContain(v.failure.status);
        expect([TASK, null]).toContain(v.view.taskId);
        if (v.view.progress !== null) {
          expect(v.view.progress).toBeGreaterThanOrEqual(0);
          expect(v.view.progress).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the generator reaches every verdict', () => {
  it('produces pending, success, failure and invalid for every family (so the properties are not vacuous)', () => {
    for (const id of familyIds) {
      const kinds = new Set(fc.sample(anyData, { numRuns: 3000, seed: 7 }).map((d) => read(id, d).kind));
      expect([...kinds].sort(), id).toEqual(['failure', 'invalid', 'pending', 'success']);
    }
  });
});
