/**
 * Each family's error shapes through the real connection pool (no injected dispatcher): the market envelope's
 * `message`, bodies without `data`, HTML 5xx pages, unknown tasks, and records that break a family's schema.
 * Records are the realistic fixtures of test/fixtures/families; a scripted loopback server serves them on
 * each family's own path, and the simulator's fault injection covers what it can inject for every family.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it, type TestContext } from 'vitest';
import { FAMILIES, InvalidResponseError, KieApiError, TaskFailedError, TaskWatcher, type KnownFamilyId, type RateLimitedEvent, type RetryEvent, type TaskWatcherOptions } from '../../src/index.js';
import { scriptedTasks, startSimulator } from '../../src/simulator/index.js';
import { FAMILY_FIXTURES, type FamilyFixture } from '../fixtures/families/index.js';
import { KIE_STATUS_PATHS } from '../fixtures/families/paths.js';
import { Bag, failOnProcessErrors, sendJson, testServer, type TestServer } from './helpers.js';

const KEY = 'families-faults-key-2b9e';
const ALL = Object.keys(FAMILIES) as KnownFamilyId[];
failOnProcessErrors();

// --- records and envelopes in each family's words ---------------------------------------------------

const PENDING: Readonly<Record<KnownFamilyId, string>> = {
  'gpt4o-image': 'generating',
  market: 'generating',
  veo: 'generating',
  'flux-kontext': 'generating',
  runway: 'generating',
  luma: 'generating',
  suno: 'pending',
  mj: 'generating',
};

function fixture(family: KnownFamilyId, name: string): FamilyFixture {
  const f = FAMILY_FIXTURES[family][name];
  if (!f) throw new Error(`no fixture ${family}/${name}`);
  return f;
}

/** The fixture's record, re-addressed to `taskId` (a record naming another task on purpose keeps its own). */
function recordFor(family: KnownFamilyId, name: string, taskId: string): unknown {
  const { data, taskId: own } = fixture(family, name);
  if (data === null || typeof data !== 'object' || (data as { taskId?: unknown }).taskId !== own) return data;
  return { ...data, taskId };
}

function successUrls(family: KnownFamilyId): readonly string[] {
  const expected = fixture(family, 'success').expected;
  if (expected.kind !== 'success') throw new Error(`${family}/success is not a success fixture`);
  return expected.resultUrls;
}

/** Market jobs answer with `message`, every other family with `msg` (FACTS.md, Transport). */
const messageKey = (family: KnownFamilyId): 'msg' | 'message' => (family === 'market' ? 'message' : 'msg');
const body = (family: KnownFamilyId, code: number, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ code, [messageKey(family)]: message, ...extra });
const ok = (family: KnownFamilyId, data: unknown): Record<string, unknown> => body(family, 200, 'success', { data });

const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

// --- a scripted server serving every family on its own path ------------------------------------------

type Reply = { readonly status?: number; readonly body: unknown; readonly contentType?: string };
interface Scenario {
  readonly family: KnownFamilyId;
  /** The n-th answer (0-based) for this task on its family's path. */
  readonly answer: (n: number) => Reply;
}

const FAMILY_BY_PATH = new Map<string, KnownFamilyId>(Object.entries(KIE_STATUS_PATHS).map(([family, path]) => [path, family as KnownFamilyId]));

function reply(res: ServerResponse, r: Reply): void {
  if (typeof r.body === 'string' && r.contentType !== undefined) {
    res.writeHead(r.status ?? 200, { 'content-type': r.contentType, 'content-length': Buffer.byteLength(r.body) });
    res.end(r.body);
    return;
  }
  sendJson(res, r.body, r.status ?? 200);
}

/** Answers each task from its scenario on its family's path; anything else is the provider's unknown task. */
async function familyServer(bag: Bag, scenarios: ReadonlyMap<string, Scenario>): Promise<TestServer> {
  return bag.add(
    await testServer(({ taskId, n, req, res }) => {
      const family = FAMILY_BY_PATH.get(new URL(req.url ?? '/', 'http://x').pathname);
      const scenario = scenarios.get(taskId);
      if (family === undefined || scenario === undefined || scenario.family !== family) {
        sendJson(res, { code: 422, msg: family === 'market' ? 'recordInfo is null' : 'record is null', data: null });
        return;
      }
      reply(res, scenario.answer(n));
    }),
  );
}

/** A life: the given first answers, then the family's pending record once, then its success fixture. */
function thenSuccess(family: KnownFamilyId, taskId: string, first: readonly Reply[]): Scenario {
  return {
    family,
    answer: (n) => {
      if (n < first.length) return first[n] as Reply;
      return { body: ok(family, recordFor(family, n === first.length ? PENDING[family] : 'success', taskId)) };
    },
  };
}

function watcher(bag: Bag, url: string, extra: Partial<TaskWatcherOptions> = {}): TaskWatcher {
  return bag.add(new TaskWatcher({ apiKey: KEY, baseUrl: url, policy: 'fastest', retry: { baseDelayMs: 50, maxDelayMs: 300, maxInvalidResponses: 3 }, ...extra }));
}

function collect<T>(w: TaskWatcher, name: 'retry' | 'rateLimited'): T[] {
  const out: T[] = [];
  w.on(name, (e: unknown) => out.push(e as T));
  return out;
}

const idFor = (family: KnownFamilyId, what: string): string => `${family}.${what}`;

describe.concurrent("each family's error shapes through the real pool", () => {
  it("halts every task of every family on market's 401 in its `message` envelope, without `data`", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const refusal = 'You do not have access permissions';
    const scenarios = new Map<string, Scenario>(
      ALL.map((family) => [
        idFor(family, 'halt'),
        {
          family,
          // Market refuses on its second answer; every other family stays pending meanwhile.
          answer: (n) => (family === 'market' && n >= 1 ? { body: { code: 401, message: refusal } } : { body: ok(family, recordFor(family, PENDING[family], idFor(family, 'halt'))) }),
        },
      ]),
    );
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const errors = await Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, 'halt'), { family }).catch((e: unknown) => e)));
    for (const [i, e] of errors.entries()) {
      expect(e, ALL[i]).toBeInstanceOf(KieApiError);
      expect(e).toMatchObject({ providerCode: 401, providerMessage: refusal, accountWide: true, taskId: idFor(ALL[i] ?? 'market', 'halt'), family: ALL[i] });
    }
    const sent = server.hits.length;
    // Halted: a new wait of any family is refused at once, without a request.
    await expect(w.waitForCompletion('anything-else', { family: 'suno' })).rejects.toMatchObject({ providerCode: 401, accountWide: true });
    expect(server.hits.length).toBe(sent);
  });

  it("treats market's {code: 422, msg: 'recordInfo is null'} (either spelling) as a task not visible yet, then as unknown after the grace period", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const notYet = (key: 'msg' | 'message'): Reply => ({ body: { code: 422, [key]: 'recordInfo is null' } });
    const scenarios = new Map<string, Scenario>([
      ['mk-late-msg', thenSuccess('market', 'mk-late-msg', [notYet('msg'), notYet('msg'), notYet('msg')])],
      ['mk-late-message', thenSuccess('market', 'mk-late-message', [notYet('message'), notYet('message')])],
      ['mk-never', { family: 'market', answer: () => notYet('message') }],
    ]);
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url, { unknownTaskGraceMs: 2_000 });
    const retries = collect<RetryEvent>(w, 'retry');
    const started = performance.now();
    const [a, b, never] = await Promise.all([
      w.waitForCompletion('mk-late-msg', { family: 'market' }),
      w.waitForCompletion('mk-late-message', { family: 'market' }),
      w.waitForCompletion('mk-never', { family: 'market' }).catch((e: unknown) => e),
    ]);
    expect(a.resultUrls).toEqual(successUrls('market'));
    expect(b.resultUrls).toEqual(successUrls('market'));
    expect(never).toBeInstanceOf(KieApiError);
    expect(never).toMatchObject({ providerCode: 422, providerMessage: 'recordInfo is null', accountWide: false, family: 'market' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_950);
    expect(retries.filter((r) => r.taskId === 'mk-late-msg').map((r) => r.reason)).toEqual(Array(3).fill('task not visible yet (422)'));
    expect(server.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it("treats `data: null` and `data` left out on each family's path as a task not visible yet", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const scenarios = new Map<string, Scenario>(
      ALL.map((family) => [idFor(family, 'no-data'), thenSuccess(family, idFor(family, 'no-data'), [{ body: body(family, 200, 'success', { data: null }) }, { body: body(family, 200, 'success') }])]),
    );
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const results = await Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, 'no-data'), { family })));
    expect(results.map((r) => r.resultUrls)).toEqual(ALL.map(successUrls));
  });

  it.for([
    [455, 'Service Unavailable: system maintenance'],
    [500, 'Server Error'],
  ] as const)("retries body code %i without `data` on each family's path, then succeeds", async ([code, message], ctx) => {
    const bag = new Bag(ctx.onTestFinished);
    const scenarios = new Map<string, Scenario>(ALL.map((family) => [idFor(family, String(code)), thenSuccess(family, idFor(family, String(code)), [{ body: body(family, code, message) }])]));
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const retries = collect<RetryEvent>(w, 'retry');
    const results = await Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, String(code)), { family })));
    expect(results.map((r) => r.resultUrls)).toEqual(ALL.map(successUrls));
    // The reason quotes the provider's words, whether the envelope called them `msg` or `message`.
    expect(retries.map((r) => [r.family, r.reason]).sort()).toEqual(ALL.map((family) => [family, `body code ${code}: ${message}`]).sort());
    expect(server.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it("slows down on body code 429 without `data` on each family's path, then succeeds", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const scenarios = new Map<string, Scenario>(ALL.map((family) => [idFor(family, '429'), thenSuccess(family, idFor(family, '429'), [{ body: body(family, 429, 'rate limited') }])]));
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const limited = collect<RateLimitedEvent>(w, 'rateLimited');
    const results = await Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, '429'), { family })));
    expect(results.map((r) => r.resultUrls)).toEqual(ALL.map(successUrls));
    const perTask = limited.filter((e) => e.scope === 'task');
    expect(perTask.map((e) => e.family).sort()).toEqual([...ALL].sort());
    expect(perTask.every((e) => e.source === 'body')).toBe(true);
    expect(w.stats().rateLimited).toBe(ALL.length);
    expect(server.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it("retries an HTTP 502 HTML page on each family's path, then succeeds", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const page: Reply = { status: 502, body: NGINX_502, contentType: 'text/html' };
    const scenarios = new Map<string, Scenario>(ALL.map((family) => [idFor(family, '502'), thenSuccess(family, idFor(family, '502'), [page, page])]));
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const retries = collect<RetryEvent>(w, 'retry');
    const results = await Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, '502'), { family })));
    expect(results.map((r) => r.resultUrls)).toEqual(ALL.map(successUrls));
    expect(retries).toHaveLength(2 * ALL.length);
    expect(new Set(retries.map((r) => r.reason))).toEqual(new Set(['HTTP 502']));
  });

  /** A record each family's schema refuses, on the field its verdict rests on. */
  const BROKEN: Readonly<Record<KnownFamilyId, readonly [field: string, value: unknown]>> = {
    'gpt4o-image': ['status', 7],
    market: ['state', 7],
    veo: ['successFlag', true],
    'flux-kontext': ['successFlag', { value: 1 }],
    runway: ['state', {}],
    luma: ['successFlag', [1]],
    suno: ['status', ['SUCCESS']],
    mj: ['successFlag', false],
  };

  it('gives up with InvalidResponseError after the invalid-answer limit when a record breaks its family\'s schema, and recovers when it heals', async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const broken = (family: KnownFamilyId, taskId: string): Reply => {
      const [field, value] = BROKEN[family];
      return { body: ok(family, { ...(recordFor(family, PENDING[family], taskId) as object), [field]: value }) };
    };
    const scenarios = new Map<string, Scenario>();
    for (const family of ALL) {
      scenarios.set(idFor(family, 'broken'), { family, answer: () => broken(family, idFor(family, 'broken')) });
      // Two broken answers, one fewer than the limit: the streak resets with the next good one.
      scenarios.set(idFor(family, 'heals'), thenSuccess(family, idFor(family, 'heals'), [broken(family, idFor(family, 'heals')), broken(family, idFor(family, 'heals'))]));
    }
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const [errors, healed] = await Promise.all([
      Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, 'broken'), { family }).catch((e: unknown) => e))),
      Promise.all(ALL.map((family) => w.waitForCompletion(idFor(family, 'heals'), { family }))),
    ]);
    for (const [i, e] of errors.entries()) {
      const family = ALL[i] ?? 'gpt4o-image';
      expect(e, family).toBeInstanceOf(InvalidResponseError);
      const err = e as InvalidResponseError;
      expect({ family: err.family, reason: err.message, httpStatus: err.httpStatus }).toEqual({
        family,
        reason: `invalid response for task ${idFor(family, 'broken')}: record does not match the schema`,
        httpStatus: 200,
      });
      expect(err.issues.map((x) => x.path)).toContainEqual(['data', BROKEN[family][0]]);
      expect(server.countFor(idFor(family, 'broken')), family).toBe(3);
    }
    expect(healed.map((r) => r.resultUrls)).toEqual(ALL.map(successUrls));
  });

  it("gives up with InvalidResponseError on each family's own documented-but-unusable records (a success without a URL, a record of another task, ...)", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const cases = ALL.flatMap((family) =>
      Object.entries(FAMILY_FIXTURES[family]).flatMap(([name, f]) => (f.expected.kind === 'invalid' ? [{ family, name, taskId: idFor(family, name), reason: f.expected.reason }] : [])),
    );
    // Every family documents at least one such record except Veo and Luma.
    expect(new Set(cases.map((c) => c.family)).size).toBeGreaterThanOrEqual(6);
    const scenarios = new Map<string, Scenario>(cases.map((c) => [c.taskId, { family: c.family, answer: () => ({ body: ok(c.family, recordFor(c.family, c.name, c.taskId)) }) }]));
    const server = await familyServer(bag, scenarios);
    const w = watcher(bag, server.url);
    const errors = await Promise.all(cases.map((c) => w.waitForCompletion(c.taskId, { family: c.family }).catch((e: unknown) => e)));
    for (const [i, e] of errors.entries()) {
      const c = cases[i];
      expect(e, c?.taskId).toBeInstanceOf(InvalidResponseError);
      expect((e as Error).message, c?.taskId).toBe(`invalid response for task ${c?.taskId ?? ''}: ${c?.reason ?? ''}`);
    }
    expect(server.maxPerTaskInWindow()).toBeLessThanOrEqual(3);
  });

  it("ends every task of every family as scripted through the simulator's injected faults (HTML 5xx, body 455/500, truncated JSON, resets), with 0 violations", async (ctx: TestContext) => {
    const bag = new Bag(ctx.onTestFinished);
    const sim = bag.add(await startSimulator({ apiKey: KEY, seed: 21, faults: { http5xx: 0.12, body500: 0.08, body455: 0.05, malformedJson: 0.05, reset: 0.05 } }));
    const specs = scriptedTasks(48, { seed: 5, failureRate: 0.3, minDurationMs: 400, maxDurationMs: 1_500, families: ALL });
    const ids = sim.addTasks(specs);
    const w = watcher(bag, sim.url, { retry: { baseDelayMs: 50, maxDelayMs: 400, maxInvalidResponses: 8 } });
    const got = await Promise.all(
      ids.map((id, i) =>
        w.waitForCompletion(id, { family: specs[i]?.family ?? 'gpt4o-image', timeoutMs: 20_000 }).then(
          () => 'SUCCESS',
          (e: unknown) => (e instanceof TaskFailedError ? 'TaskFailedError' : String((e as { code?: unknown }).code ?? e)),
        ),
      ),
    );
    expect(got).toEqual(specs.map((spec) => (spec.outcome === 'SUCCESS' ? 'SUCCESS' : 'TaskFailedError')));
    expect(specs.some((spec) => spec.outcome !== 'SUCCESS')).toBe(true);
    const stats = sim.stats();
    expect(stats.violations).toBe(0);
    expect(stats.faultsInjected).toBeGreaterThan(10);
    expect(w.stats().retries).toBeGreaterThan(5);
    expect(new Set(sim.allTaskStats().map((t) => t.family))).toEqual(new Set(ALL));
  });
});
