import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorContext } from './context.js';
import { envelope, errorMessage, HttpError, sendControl, sendText } from './http.js';

/** A request's path and raw query string. */
export interface RequestTarget {
  readonly path: string;
  readonly query: string;
}

/**
 * One endpoint of the simulator. A new endpoint is a new file in `routes/` exporting its `Route`s, listed in
 * `routes/index.ts`: the router, the server and the other routes do not change.
 */
export interface Route {
  /** The method served; `'*'` for any (the route answers other methods itself). */
  readonly method: 'GET' | 'POST' | '*';
  /** Whether this route serves `path`. Another method on a path some route serves is answered 405, with `Allow`. */
  matches(path: string): boolean;
  /** Answers the request. A throw (or rejection) is answered `{ error }` with its `HttpError` status, else 400. */
  handle(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, target: RequestTarget): void | Promise<void>;
}

function answerError(res: ServerResponse, err: unknown): void {
  const status = err instanceof HttpError ? err.status : 400;
  sendControl(res, status, { error: errorMessage(err) });
}

/** Hands the request to the first route that serves its path and method. */
export function dispatch(routes: readonly Route[], ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse): void {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const target: RequestTarget = { path: q === -1 ? rawUrl : rawUrl.slice(0, q), query: q === -1 ? '' : rawUrl.slice(q + 1) };
  const method = req.method ?? 'GET';
  const allow: string[] = [];
  for (const route of routes) {
    if (!route.matches(target.path)) continue;
    if (route.method !== '*' && route.method !== method) {
      allow.push(route.method);
      continue;
    }
    try {
      const work = route.handle(ctx, req, res, target);
      if (work) work.catch((err: unknown) => answerError(res, err));
    } catch (err) {
      answerError(res, err);
    }
    return;
  }
  if (allow.length > 0) {
    sendText(res, 405, envelope(405, 'Method Not Allowed'), 'application/json', { allow: [...new Set(allow)].join(', ') });
    return;
  }
  sendText(res, 404, envelope(404, 'Not Found'));
}
