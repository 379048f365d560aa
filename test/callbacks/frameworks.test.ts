/**
 * The handler mounted the ways docs/callbacks.md shows: Express with no body parser, after express.json(),
 * after express.raw(), with a `verify` hook keeping `req.rawBody`; Fastify through an onRequest hijack and
 * through a buffer content parser. Each over real HTTP, signed.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackHandler } from '../../src/callbacks/index.js';
import type { CallbackHandler } from '../../src/callbacks/index.js';
import { HMAC_KEY, RecordingWatcher, post, signed, successBody } from './helpers.js';

const TASK = 'task-fw-1';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

interface Mounted {
  readonly url: string;
  readonly watcher: RecordingWatcher;
}

async function listenExpress(mount: (app: express.Express, handler: CallbackHandler) => void): Promise<Mounted> {
  const watcher = new RecordingWatcher();
  const handler = createCallbackHandler(watcher, { hmacKey: HMAC_KEY, maxBodyBytes: 4096 });
  const app = express();
  mount(app, handler);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        handler.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/kie/callback`, watcher };
}

async function listenFastify(mount: (app: FastifyInstance, handler: CallbackHandler) => void): Promise<Mounted> {
  const watcher = new RecordingWatcher();
  const handler = createCallbackHandler(watcher, { hmacKey: HMAC_KEY, maxBodyBytes: 4096 });
  const app = Fastify();
  mount(app, handler);
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    handler.close();
    await app.close();
  });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/kie/callback`, watcher };
}

/** The behaviour every mounting must keep. */
async function behavesLikeTheHandler(m: Mounted, options: { ownBodyCap: boolean }): Promise<void> {
  const headers = signed(TASK);
  const ok = await post(m.url, successBody(TASK), { headers });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.text)).toEqual({ ok: true });
  expect(m.watcher.pokes).toEqual([{ taskId: TASK, family: undefined }]);

  const replay = await post(m.url, successBody(TASK), { headers });
  expect([replay.status, JSON.parse(replay.text)]).toEqual([200, { ok: true, duplicate: true }]);

  const forged = await post(m.url, successBody(TASK), { headers: signed('someone-else') });
  expect(forged.status).toBe(401);

  const market = { code: 200, msg: 'ok', data: { taskId: 'task-fw-2', state: 'success', model: 'x', resultJson: '{}' } };
  expect((await post(m.url, market, { headers: signed('task-fw-2') })).status).toBe(200);
  expect(m.watcher.pokes.at(-1)).toEqual({ taskId: 'task-fw-2', family: 'market' });

  if (options.ownBodyCap) {
    const big = await post(m.url, { ...successBody(TASK), pad: 'x'.repeat(8192) }, { headers: signed(TASK) });
    expect(big.status).toBe(413);
  }
  expect(m.watcher.pokes).toHaveLength(2);
}

describe('Express', () => {
  it('mounts as a route with no body parser', async () => {
    const m = await listenExpress((app, handler) => app.all('/kie/callback', handler));
    await behavesLikeTheHandler(m, { ownBodyCap: true });
    expect((await post(m.url, {}, { method: 'GET' })).status).toBe(405);
  });

  it('works behind a global express.json(): the parsed body is verified (only taskId and timestamp are signed)', async () => {
    const m = await listenExpress((app, handler) => {
      app.use(express.json());
      app.post('/kie/callback', handler);
    });
    await behavesLikeTheHandler(m, { ownBodyCap: false });
  });

  it('works behind express.raw(), using the Buffer it leaves in req.body', async () => {
    const m = await listenExpress((app, handler) => app.post('/kie/callback', express.raw({ type: '*/*', limit: '64kb' }), handler));
    await behavesLikeTheHandler(m, { ownBodyCap: true });
  });

  it('prefers req.rawBody when a json() verify hook kept it', async () => {
    const m = await listenExpress((app, handler) => {
      app.use(
        express.json({
          verify: (req: IncomingMessage & { rawBody?: Buffer }, _res, buf) => {
            req.rawBody = buf;
          },
        }),
      );
      app.post('/kie/callback', handler);
    });
    await behavesLikeTheHandler(m, { ownBodyCap: true });
  });

  it("ignores a placeholder req.body while the stream is unread (Express 4's json() sets {} on requests it skips)", async () => {
    const m = await listenExpress((app, handler) => {
      app.use((req: IncomingMessage & { body?: unknown }, _res, next) => {
        req.body = {};
        next();
      });
      app.post('/kie/callback', handler);
    });
    await behavesLikeTheHandler(m, { ownBodyCap: true });
  });

  it('answers 500 when a middleware consumed the stream and left no body (a mounting mistake)', async () => {
    const m = await listenExpress((app, handler) => {
      app.use((req, _res, next) => {
        req.resume();
        req.on('end', () => next());
      });
      app.post('/kie/callback', handler);
    });
    const answer = await post(m.url, successBody(TASK), { headers: signed(TASK) });
    expect([answer.status, JSON.parse(answer.text)]).toEqual([500, { error: 'body-unavailable' }]);
    expect(m.watcher.pokes).toEqual([]);
  });

  it('answers 415 itself when express.json() skipped a non-JSON body and left the stream unread', async () => {
    const m = await listenExpress((app, handler) => {
      app.use(express.json());
      app.post('/kie/callback', handler);
    });
    const answer = await post(m.url, 'taskId=x', { raw: true, headers: { 'content-type': 'text/plain', ...signed('x') } });
    expect(answer.status).toBe(415);
  });
});

describe('Fastify', () => {
  it('mounts through an onRequest hook that hijacks the reply before Fastify reads the body', async () => {
    const m = await listenFastify((app, handler) => {
      app.all('/kie/callback', {
        onRequest: (request, reply, _done) => {
          reply.hijack();
          handler(request.raw, reply.raw);
        },
        handler: async () => undefined,
      });
    });
    await behavesLikeTheHandler(m, { ownBodyCap: true });
    expect((await post(m.url, {}, { method: 'PUT' })).status).toBe(405);
  });

  it('mounts behind a buffer content parser, passing the bytes as rawBody', async () => {
    const m = await listenFastify((app, handler) => {
      void app.register(async (scope) => {
        scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 65_536 }, (_req, body, done) => done(null, body));
        scope.post('/kie/callback', (request, reply) => {
          reply.hijack();
          handler(Object.assign(request.raw, { rawBody: request.body }), reply.raw);
        });
      });
    });
    await behavesLikeTheHandler(m, { ownBodyCap: true });
  });
});
