/**
 * The test's own copy of each family's wire shape, after the provider's docs pages (strict: the simulator
 * must send these fields and no others), plus helpers to fetch a task from its family's path.
 */
import { z } from 'zod';
import type { KieSimulator, SimulatedFamily } from '../../src/simulator/index.js';
import { KIE_STATUS_PATHS } from '../fixtures/families/paths.js';
import { call, recordDataSchema } from './helpers.js';

export const FAMILY_PATHS: Readonly<Record<SimulatedFamily, string>> = KIE_STATUS_PATHS;
export const FAMILY_IDS = Object.keys(FAMILY_PATHS) as SimulatedFamily[];

const ZONELESS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const epochOrText = z.union([z.number().int(), z.string().regex(ZONELESS)]);
const iso = z.string().regex(ISO_Z);
const flag = (...values: number[]) => z.union(values.map((v) => z.literal(v)) as [z.ZodLiteral<number>, z.ZodLiteral<number>, ...z.ZodLiteral<number>[]]);
const urls = z.array(z.string());

const track = z.strictObject({
  id: z.string(),
  audioUrl: z.string(),
  streamAudioUrl: z.string(),
  imageUrl: z.string(),
  prompt: z.string(),
  modelName: z.string(),
  title: z.string(),
  tags: z.string(),
  createTime: z.string().regex(ZONELESS),
  duration: z.number().nullable(),
});

export const DATA_SHAPES: Readonly<Record<SimulatedFamily, z.ZodType>> = {
  'gpt4o-image': recordDataSchema,
  market: z.strictObject({
    taskId: z.string(),
    model: z.string(),
    state: z.enum(['waiting', 'queuing', 'generating', 'success', 'fail']),
    param: z.string(),
    resultJson: z.string(),
    failCode: z.string(),
    failMsg: z.string(),
    completeTime: z.number().int().nullable(),
    createTime: z.number().int(),
    updateTime: z.number().int(),
  }),
  veo: z.strictObject({
    taskId: z.string().optional(),
    paramJson: z.string(),
    completeTime: epochOrText.nullable(),
    response: z.strictObject({ taskId: z.string(), resultUrls: urls, originUrls: urls.nullable(), resolution: z.string() }).nullable(),
    successFlag: flag(0, 1, 2, 3),
    errorCode: z.number().int().nullable(),
    errorMessage: z.string(),
    createTime: epochOrText,
    fallbackFlag: z.boolean(),
  }),
  'flux-kontext': z.strictObject({
    taskId: z.string(),
    paramJson: z.string(),
    completeTime: iso.nullable(),
    response: z.strictObject({ originImageUrl: z.string().nullable(), resultImageUrl: z.string() }).nullable(),
    successFlag: flag(0, 1, 2, 3),
    errorCode: z.number().int().nullable(),
    errorMessage: z.string(),
    createTime: iso,
  }),
  runway: z.strictObject({
    taskId: z.string(),
    parentTaskId: z.string(),
    generateParam: z.strictObject({ prompt: z.string(), imageUrl: z.string(), expandPrompt: z.boolean() }),
    state: z.enum(['wait', 'queueing', 'generating', 'success', 'fail']),
    generateTime: z.string().regex(ZONELESS),
    videoInfo: z.strictObject({ videoId: z.string(), taskId: z.string(), videoUrl: z.string(), imageUrl: z.string() }).nullable(),
    failCode: z.union([z.number().int(), z.literal('')]),
    failMsg: z.string(),
    expireFlag: flag(0, 1),
  }),
  luma: z.strictObject({
    taskId: z.string(),
    paramJson: z.string(),
    completeTime: epochOrText.nullable(),
    response: z.strictObject({ taskId: z.string(), originUrls: urls, resultUrls: urls }).nullable(),
    successFlag: flag(0, 1, 2, 3, 4),
    createTime: epochOrText,
    errorCode: z.number().int().nullable(),
    errorMessage: z.string().nullable(),
  }),
  suno: z.strictObject({
    taskId: z.string(),
    parentMusicId: z.string(),
    param: z.string(),
    response: z.strictObject({ taskId: z.string(), sunoData: z.array(track) }).nullable(),
    status: z.enum(['PENDING', 'TEXT_SUCCESS', 'FIRST_SUCCESS', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_AUDIO_FAILED', 'CALLBACK_EXCEPTION', 'SENSITIVE_WORD_ERROR']),
    type: z.string(),
    errorCode: z.number().int().nullable(),
    errorMessage: z.string().nullable(),
  }),
  mj: z.strictObject({
    taskId: z.string(),
    taskType: z.string(),
    paramJson: z.string(),
    completeTime: iso.nullable(),
    resultInfoJson: z.strictObject({ resultUrls: z.array(z.strictObject({ resultUrl: z.string() })) }).nullable(),
    successFlag: flag(0, 1, 2, 3),
    createTime: iso,
    errorCode: z.number().int().nullable(),
    errorMessage: z.string().nullable(),
  }),
};

/** The envelope: market jobs answer `message`, every other family `msg`. */
export function envelopeShape(family: SimulatedFamily): z.ZodType<{ code: number; data: unknown }> {
  const data = DATA_SHAPES[family];
  return family === 'market' ? z.strictObject({ code: z.literal(200), message: z.literal('success'), data }) : z.strictObject({ code: z.literal(200), msg: z.literal('success'), data });
}

export function familyUrl(sim: KieSimulator, family: SimulatedFamily, taskId: string): string {
  return `${sim.url}${FAMILY_PATHS[family]}?taskId=${encodeURIComponent(taskId)}`;
}

/** GETs a task from a family's path; returns the parsed body as sent. */
export async function fetchFamily(sim: KieSimulator, family: SimulatedFamily, taskId: string): Promise<Record<string, unknown>> {
  const answer = await call(familyUrl(sim, family, taskId));
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
  return JSON.parse(answer.text) as Record<string, unknown>;
}

/** GETs a task and checks the answer against the family's strict shape; returns `data`. */
export async function fetchData(sim: KieSimulator, family: SimulatedFamily, taskId: string): Promise<Record<string, unknown>> {
  const body = await fetchFamily(sim, family, taskId);
  return envelopeShape(family).parse(body).data as Record<string, unknown>;
}
