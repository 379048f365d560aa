import { describe, expect, it } from 'vitest';
import { main, parseStandaloneArgs } from '../../src/simulator/standalone.js';
import { call, tcpHandles } from './helpers.js';

describe('standalone simulator process entry', () => {
  it('parses flags, in both --flag value and --flag=value forms', () => {
    expect(parseStandaloneArgs(['--port', '8080', '--host=0.0.0.0', '--seed', '9', '--tasks', '5', '--api-key-env', 'MY_KEY', '--faults', '{"http5xx":0.1}'])).toEqual({
      port: 8080,
      host: '0.0.0.0',
      apiKeyEnv: 'MY_KEY',
      seed: 9,
      tasks: 5,
      perTaskLimit: undefined,
      faults: { http5xx: 0.1 },
    });
    expect(() => parseStandaloneArgs(['--port', 'x'])).toThrow(/--port/);
    expect(() => parseStandaloneArgs(['--bogus', '1'])).toThrow(/unknown argument/);
    expect(() => parseStandaloneArgs(['--tasks'])).toThrow(/needs a value/);
    expect(() => parseStandaloneArgs(['--faults', '{"nope":1}'])).toThrow();
  });

  it('prints one JSON line with url and taskIds, serves them with the key from the env, and stops on abort', async () => {
    const before = tcpHandles();
    const out: string[] = [];
    const controller = new AbortController();
    let printed: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      printed = resolve;
    });
    const stdout = {
      write: (chunk: string) => {
        out.push(chunk);
        printed();
        return true;
      },
    };
    const running = main(['--tasks', '3', '--seed', '5', '--api-key-env', 'SIM_TEST_KEY'], { stdout, env: { SIM_TEST_KEY: 'k-123' }, signal: controller.signal });
    await ready;
    expect(out).toHaveLength(1);
    expect(out[0]?.endsWith('\n')).toBe(true);
    const line = JSON.parse(out[0] ?? '') as { url: string; taskIds: string[] };
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.taskIds).toHaveLength(3);
    const record = await call(`${line.url}/api/v1/gpt4o-image/record-info?taskId=${line.taskIds[0] ?? ''}`, { key: 'k-123' });
    expect(JSON.parse(record.text)).toMatchObject({ code: 200 });
    const denied = await call(`${line.url}/api/v1/gpt4o-image/record-info?taskId=${line.taskIds[0] ?? ''}`, { key: 'sim-key' });
    expect(JSON.parse(denied.text)).toMatchObject({ code: 401 });

    controller.abort();
    await running;
    expect(tcpHandles().server).toBeLessThanOrEqual(before.server);
  });

  it("falls back to 'sim-key' when the env var is unset", async () => {
    const controller = new AbortController();
    let url = '';
    let printed: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      printed = resolve;
    });
    const running = main([], {
      env: {},
      signal: controller.signal,
      stdout: {
        write: (chunk: string) => {
          url = (JSON.parse(chunk) as { url: string }).url;
          printed();
        },
      },
    });
    await ready;
    const answer = await call(`${url}/api/v1/gpt4o-image/record-info?taskId=x`, { key: 'sim-key' });
    expect(JSON.parse(answer.text)).toMatchObject({ code: 422, msg: 'record is null' });
    controller.abort();
    await running;
  });
});
