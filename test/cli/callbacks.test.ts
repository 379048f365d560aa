import { createServer, type Server } from 'node:http';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTasks } from '../../src/cli/demo-tasks.js';
import { SAFETY_NET } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { CANARY_KEY, expectNoKey, jsonLines, runCli, type CliRun } from './helpers.js';

// `kie-watch watch --callback-port` and `kie-watch demo --callbacks`, in process, against real HTTP: the
// simulator posts signed callbacks to the CLI's own handler on loopback.

const HMAC_KEY = 'whk-cli-canary-7d1e0b9c4a2f';
const OTHER_HMAC_KEY = 'whk-not-the-right-one-91ac3e';
let dir: string;
let keyFile: string;
const runs: CliRun[] = [];
const sims: KieSimulator[] = [];

async function cli(argv: string[], env: Record<string, string | undefined> = { KIE_API_KEY: CANARY_KEY }): Promise<CliRun> {
  const result = await runCli(argv, env);
  runs.push(result);
  return result;
}

async function simulator(callbackHmacKey: string): Promise<KieSimulator> {
  const sim = await startSimulator({ apiKey: CANARY_KEY, port: 0, host: '127.0.0.1', callbackHmacKey });
  sims.push(sim);
  return sim;
}

/** A port nobody listens on right now (the CLI binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kie-watch-callbacks-'));
  keyFile = join(dir, 'hmac');
  await writeFile(keyFile, `${HMAC_KEY}\n`);
  await chmod(keyFile, 0o600);
});

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

describe('kie-watch watch --callback-port', () => {
  it('ends each task with the first poll and the one its signed callback asked for, long before the safety net polls', async () => {
    const sim = await simulator(HMAC_KEY);
    const port = await freePort();
    const callBackUrl = `http://127.0.0.1:${port}/kie/callback`;
    const [a, b] = sim.addTasks([
      { durationMs: 400, outcome: 'SUCCESS', callBackUrl },
      { durationMs: 700, outcome: 'GENERATE_FAILED', callBackUrl },
    ]);
    if (a === undefined || b === undefined) throw new Error('no tasks');
    const result = await cli(['watch', a, b, '--base-url', sim.url, '--callback-port', String(port), '--hmac-key-file', keyFile, '--json', '--verbose']);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout);
    expect(events.filter((e) => e.type === 'completed').map((e) => e.taskId)).toEqual([a]);
    expect(events.filter((e) => e.type === 'failed').map((e) => e.taskId)).toEqual([b]);
    expect(result.stderr).toContain(`receiving KIE callbacks at http://127.0.0.1:${port}/`);
    expect(result.stderr).toContain('signatures checked');
    expect(result.stderr).toContain('2 callbacks asked for a poll, 2 of them for a task still being watched');
    // Without the callbacks, the net's next poll would come at 7.5 s of age.
    const summary = events.at(-1);
    expect(summary?.wallMs).toBeLessThan(SAFETY_NET.firstAtMs);
    expect(sim.taskStats(a)?.requests).toBe(2);
    expect(sim.taskStats(b)?.requests).toBe(2);
    expect(sim.callbackLog().deliveries.map((d) => d.attempts.map((x) => x.status))).toEqual([[200], [200]]);
  });

  it('answers a callback signed with another key 401 and polls no sooner for it: only the last poll at the deadline finds the end', async () => {
    const sim = await simulator(OTHER_HMAC_KEY);
    sim.setCallbackOptions({ maxAttempts: 1 });
    const port = await freePort();
    const a = sim.addTask({ durationMs: 200, outcome: 'SUCCESS', callBackUrl: `http://127.0.0.1:${port}/` });
    const result = await cli(['watch', a, '--base-url', sim.url, '--callback-port', String(port), '--hmac-key-file', keyFile, '--timeout', '2', '--json']);
    // The forged callback (at about 0.2 s) poked nothing: the end was found only by the one last poll sent at
    // the 2 s deadline, since the safety net's next poll (7.5 s) lies past it.
    expect(result.code).toBe(0);
    const summary = jsonLines(result.stdout).at(-1);
    expect(summary).toMatchObject({ type: 'summary', timedOut: 0, requests: 2 });
    expect(summary?.wallMs).toBeGreaterThanOrEqual(2_000);
    expect(sim.callbackLog().deliveries[0]?.attempts.map((x) => x.status)).toEqual([401]);
    expect(result.stderr).toContain('0 callbacks asked for a poll');
  });

  it('accepts unsigned callbacks without a key, and says so', async () => {
    const sim = await startSimulator({ apiKey: CANARY_KEY, port: 0, host: '127.0.0.1' });
    sims.push(sim);
    const port = await freePort();
    const a = sim.addTask({ durationMs: 200, outcome: 'SUCCESS', callBackUrl: `http://127.0.0.1:${port}/hook` });
    const result = await cli(['watch', a, '--base-url', sim.url, '--callback-port', String(port), '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('unsigned ones accepted');
    expect(sim.taskStats(a)?.requests).toBe(2);
  });

  it('reads the HMAC key from KIE_WEBHOOK_HMAC_KEY when no file is given', async () => {
    const sim = await simulator(HMAC_KEY);
    const port = await freePort();
    const a = sim.addTask({ durationMs: 200, outcome: 'SUCCESS', callBackUrl: `http://127.0.0.1:${port}/` });
    const result = await cli(['watch', a, '--base-url', sim.url, '--callback-port', String(port), '--json'], { KIE_API_KEY: CANARY_KEY, KIE_WEBHOOK_HMAC_KEY: HMAC_KEY });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('signatures checked');
    expect(sim.taskStats(a)?.requests).toBe(2);
  });

  it('exits 2 when the port is taken, naming the port and the system code only', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await cli(['watch', 'task1', '--base-url', 'http://127.0.0.1:9', '--callback-port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot listen for callbacks on 127.0.0.1 port ${port} (EADDRINUSE)`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});

describe('callback flags', () => {
  it('refuses an HMAC key on the command line, in every spelling, without repeating it', async () => {
    for (const argv of [
      ['watch', 'task1', '--callback-port', '0', '--hmac-key', HMAC_KEY],
      ['watch', 'task1', `--hmac-key=${HMAC_KEY}`],
      ['task1', '--webhook-hmac-key', HMAC_KEY],
    ]) {
      const result = await cli(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('webhook HMAC key on the command line is refused');
      expect(result.stderr).toContain('KIE_WEBHOOK_HMAC_KEY');
      expect(result.stderr).not.toContain(HMAC_KEY);
    }
  });

  it('exits 2 on callback flags that make no sense', async () => {
    const cases: [string[], RegExp][] = [
      [['watch', 'task1', '--hmac-key-file', keyFile], /--hmac-key-file needs --callback-port/],
      [['watch', 'task1', '--callback-host', '0.0.0.0'], /--callback-host needs --callback-port/],
      [['watch', 'task1', '--callback-port', '70000'], /--callback-port needs an integer from 0 to 65535/],
      [['watch', 'task1', '--callback-port', '8080', '--callback-host', 'a b'], /--callback-host needs a host name/],
      [['watch', 'task1', '--callback-port', '0', '--hmac-key-file', join(dir, 'missing')], /cannot read --hmac-key-file .*\(ENOENT\)/],
      [['demo', '--loss', '0.5'], /--loss needs --callbacks/],
      [['demo', '--callbacks', '--loss', '1.5'], /--loss needs a number from 0 to 1/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('refuses an empty HMAC key file', async () => {
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const result = await cli(['watch', 'task1', '--callback-port', '0', '--hmac-key-file', empty]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is empty');
  });
});

describe('kie-watch demo --callbacks', () => {
  it('ends every task with a signed callback and its confirming poll, and reports requests per task and detection', async () => {
    const result = await cli(['demo', '--callbacks', '--tasks', '6', '--seed', '3', '--speed', '10', '--json'], {});
    expect(result.code).toBe(0);
    const events = jsonLines(result.stdout);
    const summary = events.at(-1);
    const scriptedFailures = demoTasks(6, 3, 10).filter((t) => t.outcome !== 'SUCCESS').length;
    expect(summary).toMatchObject({ type: 'summary', tasks: 6, failed: scriptedFailures, violations: 0, callbacks: { delivered: 6, lost: 0, failed: 0 } });
    // The first poll at once, the one each callback asks for, and a few of the safety net's: with 6 tasks the
    // miss rate is never measured, so the net assumes one callback in five lost and polls where tasks end.
    expect(summary?.requests).toBeLessThanOrEqual(6 * 4);
    const detection = summary?.detectionMs as { p50: number; p95: number; max: number };
    expect(detection.max).toBeLessThan(1_000);
    expect(result.stderr).toMatch(/the simulator calls back to http:\/\/127\.0\.0\.1:\d+\/kie\/callback, signed with a fresh key; 0% of callbacks are lost/);
  });

  it('with every callback lost, the safety net still ends every task as scripted', async () => {
    const result = await cli(['demo', '--callbacks', '--loss', '1', '--tasks', '4', '--seed', '3', '--speed', '10', '--json'], {});
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({ type: 'summary', tasks: 4, timedOut: 0, violations: 0, callbacks: { delivered: 0, lost: 4 } });
  });

  it('prints the callbacks and the detection delay in the plain summary', async () => {
    const result = await cli(['demo', '--callbacks', '--tasks', '2', '--seed', '3', '--speed', '10'], {});
    expect(result.stdout).toMatch(/requests per task; detection delay \(a task's end to its report\) p50 \d+\.\d\ds, p95 \d+\.\d\ds, max \d+\.\d\ds/);
    expect(result.stdout).toContain('callbacks: 2 delivered, 0 lost, 0 failed');
  });
});

describe('the keys', () => {
  it('never appear in stdout or stderr of any run above, --verbose included', () => {
    expect(runs.length).toBeGreaterThan(10);
    for (const result of runs) expectNoKey(result, CANARY_KEY, HMAC_KEY, OTHER_HMAC_KEY);
  });
});
