import { EPOCH } from './fake-clock.js';
import { MockAgent } from 'undici';

export const BASE = 'https://api.kie.test';
export const PATH = '/api/v1/gpt4o-image/record-info';

export type Reply = { status?: number; body: unknown; headers?: Record<string, string> };

export interface MockApi {
  readonly agent: MockAgent;
  /** Every request seen: taskId, time on the test clock, headers. */
  readonly requests: { taskId: string; at: number; headers: Record<string, string> }[];
  close(): Promise<void>;
}

/**
 * A MockAgent whose answer for each request comes from `answer(taskId, n)` (n = 0-based request count for
 * that task), so a test scripts a task's life as a function.
 */
export function mockApi(answer: (taskId: string, n: number) => Reply, now: () => number): MockApi {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: MockApi['requests'] = [];
  const counts = new Map<string, number>();
  agent
    .get(BASE)
    .intercept({ path: (p) => p.startsWith(PATH), method: 'GET' })
    .reply((opts) => {
      const url = new URL(opts.path, BASE);
      const taskId = url.searchParams.get('taskId') ?? '';
      const headers = Object.fromEntries(Object.entries((opts.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]));
      requests.push({ taskId, at: now(), headers });
      const n = counts.get(taskId) ?? 0;
      counts.set(taskId, n + 1);
      const r = answer(taskId, n);
      const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      return { statusCode: r.status ?? 200, data: body, responseOptions: { headers: { 'content-type': 'application/json', ...r.headers } } };
    })
    .persist();
  return { agent, requests, close: () => agent.close() };
}

export function record(taskId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskId,
    paramJson: '{"prompt":"a cat","size":"1:1"}',
    createTime: EPOCH,
    completeTime: null,
    response: null,
    successFlag: 0,
    status: 'GENERATING',
    errorCode: null,
    errorMessage: '',
    progress: '0.00',
    ...fields,
  };
}

export const ok = (data: unknown): Reply => ({ body: { code: 200, msg: 'success', data } });
export const generating = (taskId: string, progress = '0.10'): Reply => ok(record(taskId, { progress }));
export const success = (taskId: string, urls: string[] = [`https://cdn.test/${taskId}.png`]): Reply =>
  ok(record(taskId, { status: 'SUCCESS', successFlag: 1, progress: '1.00', completeTime: EPOCH + 60_000, response: { resultUrls: urls } }));
