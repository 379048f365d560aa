/**
 * Where the two sides meet: every family's simulated answer, fetched over HTTP, read through the
 * watcher's own family readers (src/families). The simulator keeps its own copy of each wire shape, so
 * this is the check that the two copies agree on every outcome and every intermediate status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILIES, type FamilyVerdict } from '../../src/families/index.js';
import type { KieSimulator, SimulatedFamily, SimulatedOutcome, SimulatedTaskSpec } from '../../src/simulator/index.js';
import { FAMILY_IDS, fetchFamily } from './family-shapes.js';
import { T0, manualClock, started } from './helpers.js';

const clock = manualClock();
let sim: KieSimulator;
beforeAll(async () => {
  sim = await started({ now: clock.now, perTaskLimit: 100_000 });
});
afterAll(async () => {
  await sim.close();
});

const URLS = ['https://x.invalid/one', 'https://x.invalid/two'];
/** Families whose record carries one result (Flux Kontext's resultImageUrl, Runway's videoUrl). */
const SINGLE: ReadonlySet<SimulatedFamily> = new Set(['flux-kontext', 'runway']);
/** Families without a top-level creation time in their record. */
const NO_CREATE_TIME: ReadonlySet<SimulatedFamily> = new Set(['suno']);
/** Families whose creation time is a zone-less text whatever the variant. */
const ZONELESS: ReadonlySet<SimulatedFamily> = new Set(['runway']);

async function verdict(family: SimulatedFamily, spec: Omit<SimulatedTaskSpec, 'family'>, at: number): Promise<FamilyVerdict<unknown>> {
  clock.set(T0);
  const id = sim.addTask({ ...spec, family });
  clock.set(T0 + at);
  const body = await fetchFamily(sim, family, id);
  expect(body['code']).toBe(200);
  return (FAMILIES[family] as { read(d: unknown, t: string): FamilyVerdict<unknown> }).read(body['data'], id);
}

function kindOf(v: FamilyVerdict<unknown>): string {
  return v.kind === 'invalid' ? `invalid: ${v.reason}` : v.kind;
}

describe.each(FAMILY_IDS)('%s: simulator answers read through the family', (family) => {
  it('every running stage reads as pending, with no unknown status, and the creation time', async () => {
    for (const at of [0, 1_500, 2_500, 5_000, 7_500, 9_999]) {
      const v = await verdict(family, { outcome: 'SUCCESS', durationMs: 10_000 }, at);
      expect(kindOf(v)).toBe('pending');
      if (v.kind !== 'pending') continue;
      expect(v.unknownStatus).toBe(false);
      expect(v.view.createTime).toBe(NO_CREATE_TIME.has(family) ? null : T0);
      expect(v.view.createTimeZoned).toBe(!ZONELESS.has(family));
    }
  });

  it.each([false, true])('SUCCESS (quirk %s) reads as success with the scripted URLs', async (quirk) => {
    const v = await verdict(family, { outcome: 'SUCCESS', durationMs: 1_000, resultUrls: URLS, quirk }, 1_000);
    expect(kindOf(v)).toBe('success');
    if (v.kind !== 'success') return;
    expect(v.resultUrls).toEqual(SINGLE.has(family) ? URLS.slice(0, 1) : URLS);
    expect(v.params).not.toBeNull();
  });

  it.each(['GENERATE_FAILED', 'CREATE_TASK_FAILED', 'MODERATED'] satisfies SimulatedOutcome[])('%s reads as failure with the scripted error', async (outcome) => {
    const v = await verdict(family, { outcome, durationMs: 1_000, errorCode: 451, errorMessage: 'scripted failure' }, 1_000);
    expect(kindOf(v)).toBe('failure');
    if (v.kind !== 'failure') return;
    expect(v.failure.errorCode).toBe(451);
    expect(v.failure.errorMessage).toBe('scripted failure');
  });

  it('NEVER reads as pending long after its duration', async () => {
    expect(kindOf(await verdict(family, { outcome: 'NEVER', durationMs: 1_000 }, 3_600_000))).toBe('pending');
  });

  it('SUCCESS without URLs reads as invalid, never as success', async () => {
    expect(kindOf(await verdict(family, { outcome: 'SUCCESS', durationMs: 0, successWithoutUrls: true }, 0))).toBe('invalid: SUCCESS without a result URL');
  });

  it('the quickstart variant reads the same verdicts', async () => {
    expect(kindOf(await verdict(family, { outcome: 'SUCCESS', durationMs: 0, variant: 'quickstart' }, 0))).toBe('success');
    expect(kindOf(await verdict(family, { outcome: 'MODERATED', durationMs: 0, variant: 'quickstart' }, 0))).toBe('failure');
  });
});

describe('generated workloads', () => {
  it('a mixed scripted workload reads to the scripted outcome for every task', async () => {
    const { scriptedTasks } = await import('../../src/simulator/index.js');
    const specs = scriptedTasks(64, { seed: 11, failureRate: 0.4, families: FAMILY_IDS });
    clock.set(T0);
    const ids = sim.addTasks(specs);
    clock.set(T0 + 60_000);
    for (const [i, id] of ids.entries()) {
      const spec = specs[i];
      if (!spec?.family) throw new Error('spec without family');
      const body = await fetchFamily(sim, spec.family, id);
      const v = (FAMILIES[spec.family] as { read(d: unknown, t: string): FamilyVerdict<unknown> }).read(body['data'], id);
      expect(kindOf(v), `${spec.family} ${spec.outcome}`).toBe(spec.outcome === 'SUCCESS' ? 'success' : 'failure');
    }
  });
});
