import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_FAMILY, FAMILIES, defineFamily, resolveFamily, type KnownFamilyId } from '../../src/families/index.js';
import { KIE_STATUS_PATHS } from '../fixtures/families/paths.js';

const PATHS: Record<KnownFamilyId, string> = KIE_STATUS_PATHS;

describe('family registry', () => {
  it('holds the eight built-in families under their own ids and paths', () => {
    expect(Object.keys(FAMILIES).sort()).toEqual(Object.keys(PATHS).sort());
    for (const [id, family] of Object.entries(FAMILIES)) {
      expect(family.id).toBe(id);
      expect(family.path).toBe(PATHS[id as KnownFamilyId]);
    }
    expect(new Set(Object.values(FAMILIES).map((f) => f.path)).size).toBe(8);
    expect(Object.isFrozen(FAMILIES)).toBe(true);
  });

  it('defaults to gpt4o-image', () => {
    expect(DEFAULT_FAMILY).toBe('gpt4o-image');
    expect(resolveFamily(DEFAULT_FAMILY)).toBe(FAMILIES['gpt4o-image']);
  });

  it('resolves an id to its family and a family object to itself', () => {
    expect(resolveFamily('suno')).toBe(FAMILIES.suno);
    const custom = defineFamily({ id: 'custom', path: '/custom', schema: z.unknown(), classify: () => ({ state: 'pending', status: null }), toResult: () => ({ resultUrls: [] }) });
    expect(resolveFamily(custom)).toBe(custom);
  });

  it('names the valid ids when an id is unknown', () => {
    expect(() => resolveFamily('midjourney' as KnownFamilyId)).toThrow(TypeError);
    expect(() => resolveFamily('midjourney' as KnownFamilyId)).toThrow(/gpt4o-image, market, veo, flux-kontext, runway, luma, suno, mj/);
  });

  it('does not resolve inherited names such as toString or __proto__', () => {
    expect(() => resolveFamily('toString' as KnownFamilyId)).toThrow(TypeError);
    expect(() => resolveFamily('__proto__' as KnownFamilyId)).toThrow(TypeError);
  });

  it('rejects something that is no family', () => {
    expect(() => resolveFamily({ id: 'x' } as unknown as KnownFamilyId)).toThrow(TypeError);
    expect(() => resolveFamily(null as unknown as KnownFamilyId)).toThrow(TypeError);
  });
});
