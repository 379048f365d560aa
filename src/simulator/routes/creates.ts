import { createRouteFor, CREDIT_PATH } from '../create-routes.js';
import type { Route } from '../router.js';

/** Every family's create endpoint (`POST`): the creation window, credits, billing, create faults. */
export const createRoute: Route = {
  method: 'POST',
  matches: (path) => createRouteFor(path) !== undefined,
  handle: (ctx, req, res, target) => ctx.creates.handle(req, res, target.path),
};

/** `GET /api/v1/chat/credit`: the account's credit balance. */
export const creditRoute: Route = {
  method: 'GET',
  matches: (path) => path === CREDIT_PATH,
  handle: (ctx, req, res, target) => ctx.creates.handle(req, res, target.path),
};
