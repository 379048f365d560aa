import type { TaskFamily } from './family.js';
import type { FluxKontextInput } from './inputs/flux-kontext.js';
import type { Gpt4oImageInput } from './inputs/gpt4o-image.js';
import type { LumaInput } from './inputs/luma.js';
import type { MarketInput } from './inputs/market.js';
import type { MidjourneyInput } from './inputs/mj.js';
import type { RunwayInput } from './inputs/runway.js';
import type { SunoInput } from './inputs/suno.js';
import type { VeoInput } from './inputs/veo.js';
import { fluxKontext, type FluxKontextRecord } from './flux-kontext.js';
import { gpt4oImage, type Gpt4oImageRecord } from './gpt4o-image.js';
import { luma, type LumaRecord } from './luma.js';
import { market, type MarketRecord } from './market.js';
import { midjourney, type MidjourneyRecord } from './mj.js';
import { runway, type RunwayRecord } from './runway.js';
import { suno, type SunoRecord } from './suno.js';
import { veo, type VeoRecord } from './veo.js';

/** The record type of each built-in family, by id. */
export interface FamilyRecords {
  /** `GET /api/v1/gpt4o-image/record-info`. */
  'gpt4o-image': Gpt4oImageRecord;
  /** `GET /api/v1/jobs/recordInfo` (nano-banana, seedream, kling, sora2, ...). */
  market: MarketRecord;
  /** `GET /api/v1/veo/record-info`. */
  veo: VeoRecord;
  /** `GET /api/v1/flux/kontext/record-info`. */
  'flux-kontext': FluxKontextRecord;
  /** `GET /api/v1/runway/record-detail`. */
  runway: RunwayRecord;
  /** `GET /api/v1/modify/record-info`. */
  luma: LumaRecord;
  /** `GET /api/v1/generate/record-info`. */
  suno: SunoRecord;
  /** `GET /api/v1/mj/record-info`. */
  mj: MidjourneyRecord;
}

/** The create input of each built-in family, by id: the JSON body of its create endpoint. */
export interface FamilyInputs {
  /** `POST /api/v1/gpt4o-image/generate`. */
  'gpt4o-image': Gpt4oImageInput;
  /** `POST /api/v1/jobs/createTask`. */
  market: MarketInput;
  /** `POST /api/v1/veo/generate`. */
  veo: VeoInput;
  /** `POST /api/v1/flux/kontext/generate`. */
  'flux-kontext': FluxKontextInput;
  /** `POST /api/v1/runway/generate`. */
  runway: RunwayInput;
  /** `POST /api/v1/modify/generate`. */
  luma: LumaInput;
  /** `POST /api/v1/generate`. */
  suno: SunoInput;
  /** `POST /api/v1/mj/generate`. */
  mj: MidjourneyInput;
}

/** The id of a built-in family. */
export type KnownFamilyId = keyof FamilyRecords;

/** A family as a watcher option accepts it: a built-in id, or a family made with `defineFamily`. */
export type FamilyRef = KnownFamilyId | TaskFamily<string, unknown>;

/** The record type a family reference yields: a built-in id's record, or a custom family's `R`. */
export type RecordOf<F extends FamilyRef> = F extends KnownFamilyId ? FamilyRecords[F] : F extends TaskFamily<string, infer R> ? R : never;

/** The create input a family reference takes: a built-in id's input, or a custom family's `I`. */
export type InputOf<F extends FamilyRef> = F extends KnownFamilyId ? FamilyInputs[F] : F extends TaskFamily<string, unknown, infer I> ? I : never;

/** The built-in families, by id. */
export const FAMILIES: { readonly [K in KnownFamilyId]: TaskFamily<K, FamilyRecords[K], FamilyInputs[K]> } = Object.freeze({
  'gpt4o-image': gpt4oImage,
  market,
  veo,
  'flux-kontext': fluxKontext,
  runway,
  luma,
  suno,
  mj: midjourney,
});

/** The family a watcher uses when none is named. */
export const DEFAULT_FAMILY = 'gpt4o-image' satisfies KnownFamilyId;

const KNOWN_IDS = Object.keys(FAMILIES) as KnownFamilyId[];

function isKnownId(value: string): value is KnownFamilyId {
  return Object.hasOwn(FAMILIES, value);
}

/**
 * Turns a family reference into the family: a built-in id is looked up, a family object is returned as is.
 * @throws TypeError for an unknown id (the message lists the valid ones) or something that is no family.
 */
export function resolveFamily<F extends FamilyRef>(ref: F): TaskFamily<string, RecordOf<F>>;
export function resolveFamily(ref: FamilyRef): TaskFamily<string, unknown> {
  if (typeof ref === 'string') {
    if (isKnownId(ref)) return FAMILIES[ref];
    throw new TypeError(`unknown task family ${JSON.stringify(ref)}; known families: ${KNOWN_IDS.join(', ')} (or pass one made with defineFamily)`);
  }
  const candidate = ref as unknown;
  if (
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof (candidate as TaskFamily).id === 'string' &&
    typeof (candidate as TaskFamily).path === 'string' &&
    typeof (candidate as TaskFamily).read === 'function'
  ) {
    return ref;
  }
  throw new TypeError(`a task family must be one of ${KNOWN_IDS.join(', ')} or an object made with defineFamily`);
}

export { defineFamily } from './define.js';
export type { CreateDefinition, FamilyClassification, FamilyDefinition, FamilyResult, NormalizingFamilyDefinition } from './define.js';
export type { CreateEndpoint, FailureInfo, FamilyVerdict, RecordSchema, RecordView, SchemaIssue, TaskFamily } from './family.js';
export type { FluxKontextInput, Gpt4oImageInput, LumaInput, MarketInput, MidjourneyInput, RunwayInput, SunoInput, VeoInput };
export {
  readBoolean,
  readCode,
  readInteger,
  readJson,
  readNumber,
  readObject,
  readProgress,
  readString,
  readText,
  readTime,
  readTimeMs,
  readUrls,
  type ParsedTime,
} from './fields.js';
export type { FlagRecordFields } from './shared.js';
export { fluxKontext, gpt4oImage, luma, market, midjourney, runway, suno, veo };
export type { FluxKontextRecord, Gpt4oImageRecord, LumaRecord, MarketRecord, MidjourneyRecord, RunwayRecord, SunoRecord, VeoRecord };
export type { MarketResult } from './market.js';
export type { RunwayVideoInfo } from './runway.js';
export type { SunoTrack } from './suno.js';
export type { VeoResponse } from './veo.js';
