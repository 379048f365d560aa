import { afterEach, describe, expect, it } from 'vitest';
import { isFamily, KieApiError, TaskFailedError, TaskWatcher, type KnownFamilyId, type ProgressEvent, type WatchResult } from '../../src/index.js';
import { startSimulator, type KieSimulator, type SimulatedTaskSpec } from '../../src/simulator/index.js';

const KEY = 'e2e-canary-key-1b2c';
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: KEY, ...options });
  open.push(s);
  return s;
}

function watcher(url: string, extra: Partial<ConstructorParameters<typeof TaskWatcher>[0]> = {}): TaskWatcher {
  const w = new TaskWatcher({ apiKey: KEY, baseUrl: url, retry: { baseDelayMs: 100, maxDelayMs: 1_000 }, ...extra });
  open.push(w);
  return w;
}

type Outcome = 'SUCCESS' | string;
async function settle(p: Promise<WatchResult>): Promise<Outcome> {
  try {
    return (await p).status;
  } catch (e) {
    if (e instanceof TaskFailedError) return e.status ?? e.code;
    return (e as { code?: string }).code ?? 'unknown';
  }
}

const expected = (spec: SimulatedTaskSpec): string =>
  spec.outcome === 'MODERATED' ? 'GENERATE_FAILED' : spec.outcome === 'NEVER' ? 'KIE_WATCH_TIMEOUT' : spec.outcome;

describe('against the simulator', () => {
  it('ends every task with its scripted outcome under injected faults, with 0 rate violations', async () => {
    const s = await sim({
      seed: 7,
      faults: { http5xx: 0.05, body500: 0.04, body455: 0.03, body429: 0.03, body408: 0.02, http429: 0.01, malformedJson: 0.03, reset: 0.03, slow: 0.02, slowMs: 300 },
    });
    const outcomes: SimulatedTaskSpec['outcome'][] = ['SUCCESS', 'SUCCESS', 'SUCCESS', 'GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'];
    const specs: SimulatedTaskSpec[] = Array.from({ length: 60 }, (_, i) => ({
      durationMs: 800 + ((i * 137) % 2_500),
      outcome: outcomes[i % outcomes.length] ?? 'SUCCESS',
      invisibleForMs: i % 10 === 0 ? 500 : 0,
      variant: i % 2 ? 'quickstart' : 'openapi',
    }));
    const ids = s.addTasks(specs);
    const w = watcher(s.url, { policy: 'fastest', requestTimeoutMs: 2_000 });
    const got = await Promise.all(ids.map((id) => settle(w.waitForCompletion(id, { timeoutMs: 30_000 }))));
    expect(got).toEqual(specs.map(expected));
    const stats = s.stats();
    expect(stats.violations).toBe(0);
    expect(stats.maxRequestsInWindow).toBeLessThanOrEqual(3);
    expect(stats.faultsInjected).toBeGreaterThan(0);
    expect(w.stats().retries).toBeGreaterThan(0);
  });

  it('hammering one task with the fastest policy never exceeds 3 requests per sliding second', async () => {
    const s = await sim();
    const [id] = s.addTasks([{ durationMs: 4_000, outcome: 'SUCCESS' }]);
    const w = watcher(s.url, { policy: 'fastest' });
    const waits = Array.from({ length: 1_000 }, () => w.waitForCompletion(id as string));
    await Promise.all(waits);
    const t = s.taskStats(id as string);
    expect(t?.violations).toBe(0);
    expect(t?.requests).toBeGreaterThanOrEqual(8);
    expect(s.stats().maxRequestsInWindow).toBeLessThanOrEqual(3);
  });

  it('rejects every waiter with the API error on a wrong key', async () => {
    const s = await sim();
    const ids = s.addTasks([{ durationMs: 10_000, outcome: 'SUCCESS' }, { durationMs: 10_000, outcome: 'SUCCESS' }]);
    const w = new TaskWatcher({ apiKey: 'wrong-key', baseUrl: s.url });
    open.push(w);
    const errs = await Promise.all(ids.map((id) => w.waitForCompletion(id).catch((e: unknown) => e)));
    for (const e of errs) expect(e).toBeInstanceOf(KieApiError);
    expect(errs[0]).toMatchObject({ providerCode: 401 });
  });

  it('times out a task that never finishes with the watcher deadline, not a failure', async () => {
    const s = await sim();
    const [id] = s.addTasks([{ durationMs: 1_000, outcome: 'NEVER' }]);
    const w = watcher(s.url, { policy: { intervalMs: 400 } });
    await expect(w.waitForCompletion(id as string, { timeoutMs: 1_500 })).rejects.toMatchObject({ code: 'KIE_WATCH_TIMEOUT', lastStatus: 'GENERATING' });
  });
});

describe('every task family through one watcher', () => {
  /** The families whose records carry no status text: a failure is known by its successFlag alone. */
  const BY_FLAG = new Set<KnownFamilyId>(['veo', 'flux-kontext', 'luma', 'mj']);
  const FAMILIES: readonly KnownFamilyId[] = ['gpt4o-image', 'market', 'veo', 'flux-kontext', 'runway', 'luma', 'suno', 'mj'];

  it('every family end to end: its own path and record, results and failures, one scheduler, 0 violations', async () => {
    const s = await sim();
    const w = watcher(s.url, { policy: 'fastest' });
    const progress: ProgressEvent[] = [];
    w.on('progress', (e) => progress.push(e));
    const runs = FAMILIES.map(async (family) => {
      const [ok = '', bad = ''] = s.addTasks([
        { durationMs: 600, outcome: 'SUCCESS', family },
        { durationMs: 600, outcome: 'GENERATE_FAILED', family },
      ]);
      const [result, error] = await Promise.all([w.waitForCompletion(ok, { family }), w.waitForCompletion(bad, { family }).catch((e: unknown) => e)]);
      return { family, ok, bad, result, error };
    });
    for (const { family, ok, bad, result, error } of await Promise.all(runs)) {
      expect(result).toMatchObject({ taskId: ok, family, status: 'SUCCESS' });
      expect(result.resultUrls.length).toBeGreaterThan(0);
      for (const url of result.resultUrls) expect(url).toContain(ok);
      expect(isFamily(result, family)).toBe(true);
      expect(error).toBeInstanceOf(TaskFailedError);
      const failure = error as TaskFailedError;
      expect(failure).toMatchObject({ taskId: bad, family });
      // Records without a status text fail by their flag, and the error invents no status.
      if (BY_FLAG.has(family)) expect({ status: failure.status, flagged: failure.successFlag !== null }).toEqual({ status: null, flagged: true });
      else expect(failure.status).toEqual(expect.any(String));
      expect(progress.some((e) => e.taskId === ok && e.family === family && e.state === 'success')).toBe(true);
    }
    expect(s.stats().violations).toBe(0);
  });
});
