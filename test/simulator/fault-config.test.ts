import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';

const VALID = ['http5xx', 'body500', 'body455', 'body429', 'body408', 'http429', 'malformedJson', 'reset', 'slow', 'slowMs'];

async function startError(faults: unknown): Promise<unknown> {
  try {
    const sim = await startSimulator({ faults: faults as Record<string, number> });
    await sim.close();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('a bad fault config', () => {
  it('is a TypeError naming the unknown key and listing the valid ones', async () => {
    const error = await startError({ bogus: 1 });
    expect(error).toBeInstanceOf(TypeError);
    const message = (error as Error).message;
    expect(message).toMatch(/^unknown fault 'bogus'; valid names: /);
    for (const name of VALID) expect(message).toContain(name);
    expect(message).not.toContain('[');
  });

  it('names the fault whose value is out of range', async () => {
    const error = await startError({ http5xx: 2 });
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("fault 'http5xx' must be a probability from 0 to 1, got 2");
    expect(((await startError({ slowMs: -1 })) as Error).message).toBe("fault 'slowMs' must be a number of ms from 0 to 600000, got -1");
    expect(((await startError([])) as Error).message).toMatch(/^faults must be an object/);
  });

  it('is answered 400 with the same message on the control endpoint', async () => {
    const sim = await startSimulator();
    try {
      const res = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ bogus: 1 }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^unknown fault 'bogus'; valid names: http5xx/);
    } finally {
      await sim.close();
    }
  });
});
