import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized } from '../auth.js';
import type { SimulatorContext } from '../context.js';
import type { FaultKind } from '../faults.js';
import { envelope, sendText } from '../http.js';
import type { TaskState } from '../record.js';
import type { RequestTarget, Route } from '../router.js';
import { recordAnswer, wireForPath, type FamilyWire } from '../wire/index.js';

function recordText(ctx: SimulatorContext, taskId: string | null, task: TaskState | undefined, wire: FamilyWire): string {
  if (!taskId) return envelope(422, 'taskId is required');
  const { text, unknown } = recordAnswer(wire, task, ctx.now());
  if (unknown) ctx.counters.unknownTask++;
  return text;
}

function answer(ctx: SimulatorContext, res: ServerResponse, taskId: string | null, task: TaskState | undefined, kind: FaultKind | undefined, wire: FamilyWire): void {
  if (res.destroyed) return;
  if (kind === undefined) sendText(res, 200, recordText(ctx, taskId, task, wire));
  else ctx.faults.answer(res, kind, () => recordText(ctx, taskId, task, wire));
}

function recordInfo(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, target: RequestTarget): void {
  const wire = wireForPath(target.path) as FamilyWire;
  ctx.counters.requests++;
  const taskId = new URLSearchParams(target.query).get('taskId');
  const task = taskId ? ctx.tasks.get(taskId) : undefined;
  // Every request counts against the window, including the ones answered with an error, and on
  // whichever family's path it arrives: the provider's limit is per task.
  const violation = task ? ctx.windows.count(task, ctx.now()) : false;
  if (!isAuthorized(req, ctx.apiKey)) {
    ctx.counters.unauthorized++;
    sendText(res, 200, envelope(401, 'Unauthorized'));
    return;
  }
  if (violation) {
    sendText(res, 200, envelope(429, 'rate limited'));
    return;
  }
  const { kind, slowMs } = ctx.faults.pick();
  if (kind !== undefined || slowMs > 0) ctx.logger?.debug({ taskId, fault: kind ?? 'slow', slowMs }, 'fault injected');
  if (slowMs > 0) {
    ctx.later(slowMs, () => answer(ctx, res, taskId, task, kind, wire), res);
    return;
  }
  answer(ctx, res, taskId, task, kind, wire);
}

/** `GET <family>/record-info?taskId=...` on every family's status path: the rate window, auth, faults, the record. */
export const recordInfoRoute: Route = {
  method: 'GET',
  matches: (path) => wireForPath(path) !== undefined,
  handle: recordInfo,
};
