import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTasks } from '../../src/cli/demo-tasks.js';
import { EXIT_CODES, type CommandName } from '../../src/cli/exit-codes.js';
import { helpText } from '../../src/cli/help.js';
import { STANDALONE_USAGE } from '../../src/simulator/standalone.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { tableAfter } from '../helpers/markdown.js';
import { RedisServer } from '../helpers/redis-server.js';
import { CANARY_KEY, runCli } from './helpers.js';

const COMMANDS: readonly CommandName[] = ['watch', 'generate', 'download', 'credits', 'demo', 'simulate', 'dashboard'];
const docs = readFileSync(resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8');
const squash = (text: string): string => text.replace(/\s+/g, ' ');

describe('exit codes: one table in the code, the help screens and docs/cli.md', () => {
  it('docs/cli.md lists exactly the rows of EXIT_CODES, in order', () => {
    const documented = tableAfter(docs, '## Exit codes').map(([command, code, meaning]) => ({
      command: (command ?? '').replace(/`/g, ''),
      code: Number(code),
      meaning,
    }));
    const coded = COMMANDS.flatMap((command) => EXIT_CODES[command].map((r) => ({ command, code: r.code, meaning: r.meaning })));
    expect(documented).toEqual(coded);
  });

  it.each(COMMANDS)('`%s --help` lists its own codes and no others', (command) => {
    const help = helpText(command, STANDALONE_USAGE);
    for (const row of EXIT_CODES[command]) expect(squash(help)).toContain(`${row.code} ${row.meaning}`);
    const sections = help.split('Exit codes');
    expect(sections).toHaveLength(2);
    const listed = [...(sections[1] ?? '').matchAll(/^ {2}(\d+) +/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(EXIT_CODES[command].map((r) => r.code));
  });

  it('the top-level help lists the codes of watch, its default command, and points to the others', () => {
    const help = squash(helpText('top', STANDALONE_USAGE));
    for (const row of EXIT_CODES.watch) expect(help).toContain(`${row.code} ${row.meaning}`);
    expect(help).toContain('kie-watch generate --help, kie-watch download --help, kie-watch credits --help, kie-watch demo --help, kie-watch simulate --help, kie-watch dashboard --help');
  });
});

describe('exit codes: each documented row is what the command returns', () => {
  let sim: KieSimulator;
  let redis: RedisServer;
  /** Simulators whose created tasks succeed fast, fail, or whose creates have an unknown outcome. */
  let creates: { ok: KieSimulator; failing: KieSimulator; unknown: KieSimulator; slow: KieSimulator };
  let out: string;
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: CANARY_KEY });
    redis = await RedisServer.start();
    const fast = { minDurationMs: 50, maxDurationMs: 100 };
    creates = {
      ok: await startSimulator({ apiKey: CANARY_KEY, generate: { ...fast, failureRate: 0 } }),
      failing: await startSimulator({ apiKey: CANARY_KEY, generate: { ...fast, failureRate: 1 } }),
      unknown: await startSimulator({ apiKey: CANARY_KEY, createFaults: { body500AfterCreate: 1 } }),
      slow: await startSimulator({ apiKey: CANARY_KEY, generate: { minDurationMs: 60_000, maxDurationMs: 60_000, failureRate: 0 }, files: { retentionMs: 0 } }),
    };
    out = await mkdtemp(join(tmpdir(), 'kie-exit-codes-'));
  });
  afterAll(async () => {
    await sim.close();
    await redis.stop();
    for (const s of Object.values(creates)) await s.close();
    await rm(out, { recursive: true, force: true });
  });

  const stopAfter = (ms: number, reason: string): AbortSignal => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), ms);
    return controller.signal;
  };
  const key = { KIE_API_KEY: CANARY_KEY };
  const failingSeed = (): number => {
    const seed = [...Array(50).keys()].find((s) => demoTasks(4, s, 10).some((t) => t.outcome !== 'SUCCESS'));
    if (seed === undefined) throw new Error('no seed with a scripted failure');
    return seed;
  };

  // One scenario per documented row: a row without one fails below, so a new code needs a test.
  const scenarios: Record<CommandName, Record<number, () => Promise<number>>> = {
    watch: {
      0: async () => (await runCli(['watch', sim.addTask({ durationMs: 100, outcome: 'SUCCESS' }), '--base-url', sim.url, '--policy', 'fastest'], key)).code,
      1: async () => (await runCli(['watch', sim.addTask({ durationMs: 100, outcome: 'GENERATE_FAILED' }), '--base-url', sim.url, '--policy', 'fastest'], key)).code,
      2: async () => (await runCli(['watch', 'task1'], {})).code,
      130: async () => (await runCli(['watch', sim.addTask({ durationMs: 100, outcome: 'NEVER' }), '--base-url', sim.url], key, stopAfter(200, 'SIGINT'))).code,
      143: async () => (await runCli(['watch', sim.addTask({ durationMs: 100, outcome: 'NEVER' }), '--base-url', sim.url], key, stopAfter(200, 'SIGTERM'))).code,
    },
    generate: {
      0: async () => (await runCli(['generate', '--prompt', 'x', '--out', out, '--base-url', creates.ok.url, '--policy', 'fastest', '--json'], key)).code,
      1: async () => (await runCli(['generate', '--prompt', 'x', '--out', out, '--base-url', creates.failing.url, '--policy', 'fastest', '--json'], key)).code,
      2: async () => (await runCli(['generate', '--prompt', 'x', '--size', '16:9', '--base-url', creates.ok.url], key)).code,
      4: async () => (await runCli(['generate', '--prompt', 'x', '--out', out, '--base-url', creates.unknown.url, '--json'], key)).code,
      130: async () => (await runCli(['generate', '--prompt', 'x', '--out', out, '--base-url', creates.slow.url, '--json'], key, stopAfter(300, 'SIGINT'))).code,
      143: async () => (await runCli(['generate', '--prompt', 'x', '--out', out, '--base-url', creates.slow.url, '--json'], key, stopAfter(300, 'SIGTERM'))).code,
    },
    download: {
      0: async () => (await runCli(['download', sim.addTask({ durationMs: 0, outcome: 'SUCCESS' }), '--out', out, '--base-url', sim.url, '--json'], key)).code,
      1: async () => (await runCli(['download', creates.slow.addTask({ durationMs: 0, outcome: 'SUCCESS' }), '--out', out, '--base-url', creates.slow.url, '--json'], key)).code,
      2: async () => (await runCli(['download', 'task1'], {})).code,
      130: async () => (await runCli(['download', sim.addTask({ durationMs: 100, outcome: 'NEVER' }), '--out', out, '--base-url', sim.url, '--json'], key, stopAfter(200, 'SIGINT'))).code,
      143: async () => (await runCli(['download', sim.addTask({ durationMs: 100, outcome: 'NEVER' }), '--out', out, '--base-url', sim.url, '--json'], key, stopAfter(200, 'SIGTERM'))).code,
    },
    credits: {
      0: async () => (await runCli(['credits', '--base-url', sim.url], key)).code,
      // Nothing listens on port 9 of loopback (discard): the balance cannot be read.
      1: async () => (await runCli(['credits', '--base-url', 'http://127.0.0.1:9'], key)).code,
      2: async () => (await runCli(['credits', '--base-url', sim.url], { KIE_API_KEY: 'not-the-canary-key' })).code,
    },
    demo: {
      // Scripted failures included: the demo checks the watcher, not the tasks.
      0: async () => (await runCli(['demo', '--tasks', '4', '--seed', String(failingSeed()), '--speed', '10', '--json'])).code,
      1: async () => (await runCli(['demo', '--tasks', '2', '--timeout', '0.3', '--json'])).code,
      2: async () => (await runCli(['demo', '--tasks', '0'])).code,
      // No PATH, so no redis-server on it (test/cli/demo-workers.test.ts covers the other causes, on the built bin).
      3: async () => (await runCli(['demo', '--workers', '2'], {})).code,
      130: async () => (await runCli(['demo', '--tasks', '2', '--json'], {}, stopAfter(200, 'SIGINT'))).code,
      143: async () => (await runCli(['demo', '--tasks', '2', '--json'], {}, stopAfter(200, 'SIGTERM'))).code,
    },
    simulate: {
      0: async () => (await runCli(['simulate', '--port', '0'], {}, stopAfter(200, 'SIGINT'))).code,
      2: async () => (await runCli(['simulate', '--faults', '{"http5xx":7}'])).code,
    },
    dashboard: {
      0: async () => (await runCli(['dashboard', '--redis', redis.socket, '--port', '0'], {}, stopAfter(300, 'SIGINT'))).code,
      2: async () => (await runCli(['dashboard', '--redis', redis.socket, '--host', '0.0.0.0'])).code,
      3: async () => (await runCli(['dashboard', '--redis', `${redis.dir}/no-such.sock`, '--port', '0'])).code,
    },
  };

  const rows = COMMANDS.flatMap((command) => EXIT_CODES[command].map((r) => [command, r.code] as const));
  it.each(rows)('%s exits %i when the table says so', async (command, code) => {
    const scenario = scenarios[command][code];
    expect(scenario, `no scenario for ${command} exit code ${code}`).toBeDefined();
    expect(await scenario?.()).toBe(code);
  });

  it('a stdout closed by its reader ends a watch with 0, like a finished one', async () => {
    const result = await runCli(['watch', sim.addTask({ durationMs: 100, outcome: 'NEVER' }), '--base-url', sim.url], key, stopAfter(200, 'EPIPE'));
    expect(result.code).toBe(0);
  });
});
