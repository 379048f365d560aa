import { request } from 'undici';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { KieSimulator } from '../../src/simulator/index.js';
import type { KieSimulatorOptions } from '../../src/simulator/index.js';

export const RECORD_INFO = '/api/v1/gpt4o-image/record-info';
export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

/** A hand-moved clock: tests move time instead of sleeping. */
export function manualClock(start = T0): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

export async function started(options: KieSimulatorOptions = {}): Promise<KieSimulator> {
  const sim = new KieSimulator(options);
  await sim.listen(0, '127.0.0.1');
  return sim;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export async function call(
  url: string,
  options: { method?: Dispatcher.HttpMethod; key?: string | null; body?: unknown; dispatcher?: Dispatcher } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'user-agent': 'kie-watcher-tests' };
  const key = options.key === undefined ? 'sim-key' : options.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(url, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export function recordUrl(sim: KieSimulator, taskId?: string): string {
  return taskId === undefined ? `${sim.url}${RECORD_INFO}` : `${sim.url}${RECORD_INFO}?taskId=${encodeURIComponent(taskId)}`;
}

export async function getRecord(sim: KieSimulator, taskId: string, key?: string | null): Promise<Answer & { json: Envelope }> {
  const answer = await call(recordUrl(sim, taskId), key === undefined ? {} : { key });
  return { ...answer, json: envelopeSchema.parse(JSON.parse(answer.text)) };
}

/** Mirrors the provider's OpenAPI for record-info (plus the quickstart variant). */
export const recordDataSchema = z.strictObject({
  taskId: z.string(),
  paramJson: z.string(),
  completeTime: z.union([z.number().int(), z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)]).nullable(),
  response: z
    .union([z.strictObject({ resultUrls: z.array(z.string()) }), z.strictObject({ result_urls: z.array(z.string()) })])
    .nullable(),
  successFlag: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  status: z.enum(['GENERATING', 'SUCCESS', 'CREATE_TASK_FAILED', 'GENERATE_FAILED']),
  errorCode: z.number().int().nullable(),
  errorMessage: z.string(),
  createTime: z.union([z.number().int(), z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)]),
  progress: z.string().regex(/^[01]\.\d{2}$/),
});

export const envelopeSchema = z.strictObject({
  code: z.number().int(),
  msg: z.string(),
  data: recordDataSchema.nullable(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
export type RecordData = z.infer<typeof recordDataSchema>;

export function dataOf(envelope: Envelope): RecordData {
  if (envelope.data === null) throw new Error(`expected data, got code ${envelope.code} ${envelope.msg}`);
  return envelope.data;
}

/** Counts of the handle kinds a server leaves behind; vitest's own (pipes, timers) are ignored. */
export function tcpHandles(): { server: number; socket: number } {
  const info = process.getActiveResourcesInfo();
  return {
    server: info.filter((r) => r === 'TCPServerWrap').length,
    socket: info.filter((r) => r === 'TCPSocketWrap').length,
  };
}
