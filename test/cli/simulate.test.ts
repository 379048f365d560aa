import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { run } from '../../src/cli/run.js';
import { capture } from './helpers.js';

describe('kie-watch simulate', () => {
  it('serves scripted tasks until stopped, then exits 0', async () => {
    const stdout = capture();
    const stderr = capture();
    const controller = new AbortController();
    const done = run(['simulate', '--port', '0', '--tasks', '2', '--seed', '4'], { stdout, stderr, env: { KIE_SIM_API_KEY: 'sim-test-key' }, signal: controller.signal });
    let line = '';
    for (let i = 0; i < 200 && !line.includes('\n'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      line = stdout.text();
    }
    const ready = JSON.parse(line) as { url: string; taskIds: string[] };
    expect(ready.taskIds).toHaveLength(2);
    const res = await request(`${ready.url}/api/v1/gpt4o-image/record-info?taskId=${ready.taskIds[0] ?? ''}`, {
      headers: { authorization: 'Bearer sim-test-key', 'user-agent': 'kie-watch-tests' },
    });
    expect(((await res.body.json()) as { code: number }).code).toBe(200);
    controller.abort('SIGINT');
    expect(await done).toBe(0);
    expect(stderr.text()).toBe('');
  });

  it('exits 2 on a --faults key it does not know, naming it and the valid ones', async () => {
    const stdout = capture();
    const stderr = capture();
    const code = await run(['simulate', '--faults', '{"bogus":1}'], { stdout, stderr, env: {} });
    expect(code).toBe(2);
    const first = stderr.text().split('\n')[0];
    expect(first).toMatch(/^kie-watch: --faults: unknown fault 'bogus'; valid names: http5xx, body500, /);
    expect(stdout.text()).toBe('');
  });
});
