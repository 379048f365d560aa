import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorContext } from '../context.js';
import { HttpError, parseJson, readBody, sendControl } from '../http.js';
import type { Route } from '../router.js';
import { parseCreateFaults } from '../creates.js';
import { parseFileOptions } from '../files.js';
import { parseAddTasksBody, parseFaults } from '../schemas.js';
import type { SimulatorCallbackOptions } from '../types.js';

export const CONTROL_PREFIX = '/__sim/';

async function control(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, route: string): Promise<void> {
  const sim = ctx.control;
  const method = req.method ?? 'GET';
  if (route === 'stats' && method === 'GET') {
    sendControl(res, 200, sim.stats());
    return;
  }
  if (route === 'tasks' && method === 'GET') {
    sendControl(res, 200, sim.allTaskStats());
    return;
  }
  if (route === 'tasks' && method === 'POST') {
    const specs = parseAddTasksBody(parseJson(await readBody(req)));
    const seen = new Set<string>();
    // Validate every spec first so a bad batch adds nothing.
    for (const spec of specs) {
      if (spec.taskId === undefined) continue;
      if (seen.has(spec.taskId) || ctx.tasks.has(spec.taskId)) throw new HttpError(409, `task ${spec.taskId} already exists`);
      seen.add(spec.taskId);
    }
    sendControl(res, 200, { taskIds: sim.addTasks(specs) });
    return;
  }
  if (route.startsWith('tasks/') && method === 'GET') {
    const taskId = decodeURIComponent(route.slice('tasks/'.length));
    const stats = sim.taskStats(taskId);
    if (!stats) throw new HttpError(404, `unknown task ${taskId}`);
    sendControl(res, 200, stats);
    return;
  }
  if (route === 'faults' && method === 'POST') {
    sim.setFaults(parseFaults(parseJson(await readBody(req))));
    sendControl(res, 200, { ok: true });
    return;
  }
  if (route === 'callbacks' && (method === 'GET' || method === 'POST')) {
    if (method === 'POST') sim.setCallbackOptions(parseJson(await readBody(req)) as SimulatorCallbackOptions);
    sendControl(res, 200, method === 'POST' ? { ok: true } : sim.callbackLog());
    return;
  }
  if (route === 'creates' && method === 'GET') {
    sendControl(res, 200, sim.createStats());
    return;
  }
  if (route === 'create-faults' && method === 'POST') {
    sim.setCreateFaults(parseCreateFaults(parseJson(await readBody(req))));
    sendControl(res, 200, { ok: true });
    return;
  }
  if (route === 'credits' && method === 'POST') {
    const body = parseJson(await readBody(req)) as { credits?: unknown };
    sim.setCredits(typeof body.credits === 'number' ? body.credits : NaN);
    sendControl(res, 200, { ok: true });
    return;
  }
  if (route === 'files' && (method === 'GET' || method === 'POST')) {
    if (method === 'POST') sim.setFileOptions(parseFileOptions(parseJson(await readBody(req))));
    sendControl(res, 200, method === 'POST' ? { ok: true } : sim.fileStats());
    return;
  }
  if (route === 'reset-stats' && method === 'POST') {
    sim.resetStats();
    sendControl(res, 200, { ok: true });
    return;
  }
  throw new HttpError(404, `no control route ${method} /__sim/${route}`);
}

/** `/__sim/...`: the test and demo controls (stats, tasks, faults, callbacks). Never part of the provider's API. */
export const controlRoute: Route = {
  method: '*',
  matches: (path) => path.startsWith(CONTROL_PREFIX),
  handle: (ctx, req, res, target) => control(ctx, req, res, target.path.slice(CONTROL_PREFIX.length)),
};
