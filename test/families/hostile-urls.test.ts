import { describe, expect, it } from 'vitest';
import { FAMILIES, type FamilyVerdict, type KnownFamilyId } from '../../src/families/index.js';

// Records as the provider documents them for each family, with the result URL field replaced by a hostile value.
const TEXT = '["https://a.example/1.png","https://a.example/2.png"]';
const successWith: Record<KnownFamilyId, (urls: unknown) => Record<string, unknown>> = {
  'gpt4o-image': (u) => ({ taskId: 't', status: 'SUCCESS', successFlag: 1, progress: '1.00', response: { resultUrls: u } }),
  veo: (u) => ({ taskId: 't', successFlag: 1, response: { resultUrls: u } }),
  luma: (u) => ({ taskId: 't', successFlag: 1, response: { resultUrls: u } }),
  market: (u) => ({ taskId: 't', state: 'success', resultJson: JSON.stringify({ resultUrls: u }) }),
  'flux-kontext': (u) => ({ taskId: 't', successFlag: 1, response: { resultImageUrl: u } }),
  runway: (u) => ({ taskId: 't', state: 'success', videoInfo: { videoUrl: u } }),
  suno: (u) => ({ taskId: 't', status: 'SUCCESS', response: { sunoData: [{ audioUrl: u }] } }),
  mj: (u) => ({ taskId: 't', successFlag: 1, resultInfoJson: { resultUrls: [{ resultUrl: u }] } }),
};

function read(id: KnownFamilyId, data: unknown): FamilyVerdict<unknown> {
  return (FAMILIES[id] as { read(d: unknown, t: string): FamilyVerdict<unknown> }).read(data, 't');
}

describe('hostile result URLs', () => {
  it.each(['gpt4o-image', 'veo', 'luma', 'market'] as const)('%s: resultUrls sent as a JSON text is parsed into its URLs, never passed through as one', (id) => {
    const v = read(id, successWith[id](TEXT));
    expect(v.kind).toBe('success');
    if (v.kind === 'success') expect(v.resultUrls).toEqual(['https://a.example/1.png', 'https://a.example/2.png']);
  });

  it.each(['gpt4o-image', 'veo', 'luma', 'market'] as const)('%s: a JSON text that does not parse to URLs is no success', (id) => {
    expect(read(id, successWith[id]('["https://a.example/1.png"')).kind).toBe('invalid');
    expect(read(id, successWith[id]('["null"]')).kind).toBe('invalid');
  });

  const ids = Object.keys(FAMILIES) as KnownFamilyId[];
  for (const bad of ['null', 'javascript:alert(1)', 'ftp://a.example/1.png', '/relative.png', 'data:image/png;base64,AAAA']) {
    it.each(ids)(`%s: ${JSON.stringify(bad)} as the result URL makes the answer invalid, never a success`, (id) => {
      const single = id === 'flux-kontext' || id === 'runway' || id === 'suno' || id === 'mj';
      const v = read(id, successWith[id](single ? bad : [bad]));
      expect(v.kind).toBe('invalid');
      if (v.kind === 'invalid') expect(v.reason).toMatch(/URL/);
    });
  }

  it.each(ids)('%s: one bad URL beside a good one still makes the answer invalid', (id) => {
    if (id === 'flux-kontext' || id === 'runway' || id === 'mj') return;
    const v = id === 'suno'
      ? read(id, { taskId: 't', status: 'SUCCESS', response: { sunoData: [{ audioUrl: 'https://a.example/1.mp3' }, { audioUrl: 'javascript:alert(1)' }] } })
      : read(id, successWith[id](['https://a.example/1.png', 'javascript:alert(1)']));
    expect(v.kind).toBe('invalid');
  });
});
