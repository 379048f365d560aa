import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized } from '../auth.js';
import { isCallbackUrl } from '../callbacks.js';
import type { SimulatorContext } from '../context.js';
import { envelope, readBody, sendText } from '../http.js';
import type { Route } from '../router.js';
import type { SimulatedOutcome, SimulatedTaskSpec } from '../types.js';

export const GENERATE_PATH = '/api/v1/gpt4o-image/generate';

async function generateTask(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await readBody(req);
  if (!isAuthorized(req, ctx.apiKey)) {
    ctx.counters.unauthorized++;
    sendText(res, 200, envelope(401, 'Unauthorized'));
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    sendText(res, 200, envelope(422, 'request body is not valid JSON'));
    return;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    sendText(res, 200, envelope(422, 'request body must be a JSON object'));
    return;
  }
  const params = body as Record<string, unknown>;
  const hasPrompt = typeof params['prompt'] === 'string' && params['prompt'].length > 0;
  const hasFiles = Array.isArray(params['filesUrl']) && params['filesUrl'].length > 0;
  if (!hasPrompt && !hasFiles) {
    sendText(res, 200, envelope(422, 'prompt or filesUrl is required'));
    return;
  }
  const callBackUrl = params['callBackUrl'];
  if (callBackUrl !== undefined && !isCallbackUrl(callBackUrl)) {
    sendText(res, 200, envelope(422, 'callBackUrl must be an absolute http(s) URL'));
    return;
  }
  const nVariants = params['nVariants'] === 2 || params['nVariants'] === 4 ? params['nVariants'] : 1;
  const g = ctx.generate;
  const rand = ctx.generateRand;
  const durationMs = Math.round(g.minDurationMs + rand() * Math.max(0, g.maxDurationMs - g.minDurationMs));
  const failures: readonly SimulatedOutcome[] = ['GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];
  const outcome: SimulatedOutcome = rand() < g.failureRate ? (failures[Math.floor(rand() * failures.length)] ?? 'GENERATE_FAILED') : 'SUCCESS';
  const progressSteps = 2 + Math.floor(rand() * 5);
  const spec: SimulatedTaskSpec = { durationMs, outcome, progressSteps, invisibleForMs: g.invisibleForMs, ...(callBackUrl === undefined ? {} : { callBackUrl }) };
  const taskId = ctx.addTask(spec, JSON.stringify(params), (id) => ({
    ...spec,
    resultUrls: Array.from({ length: nVariants }, (_, i) => `https://example.invalid/${id}/${i}.png`),
  }));
  ctx.logger?.debug({ taskId, outcome, durationMs }, 'task generated');
  sendText(res, 200, envelope(200, 'success', { taskId }));
}

/** `POST /api/v1/gpt4o-image/generate`: creates a task shaped by the `generate` options. */
export const generateRoute: Route = {
  method: 'POST',
  matches: (path) => path === GENERATE_PATH,
  handle: (ctx, req, res) => generateTask(ctx, req, res),
};
