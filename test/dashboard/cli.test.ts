import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSummary } from '../../src/dashboard/index.js';
import { RedisFleetStore } from '../../src/redis/index.js';
import { DEFAULT_DASHBOARD_PORT } from '../../src/cli/dashboard-args.js';
import { RedisServer } from '../helpers/redis-server.js';

// `kie-watch dashboard` as a user runs it: the built bin, a real redis-server, requests over loopback.

const BIN = resolve(import.meta.dirname, '../../dist/cli/main.js');
const TOKEN = 'cli-dashboard-token-5b1e0c9d7a2f4836';

interface Running {
  readonly proc: ChildProcess;
  readonly firstLine: Promise<string>;
  readonly exit: Promise<{ code: number | null; stderr: string }>;
}

function start(args: string[], env: Record<string, string> = {}): Running {
  const proc = spawn(process.execPath, [BIN, 'dashboard', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const firstLine = new Promise<string>((resolveLine, reject) => {
    lines.once('line', resolveLine);
    proc.once('exit', () => reject(new Error(`exited before a line: ${stderr}`)));
  });
  firstLine.catch(() => undefined);
  const exit = new Promise<{ code: number | null; stderr: string }>((r) => proc.once('exit', (code) => r({ code, stderr })));
  return { proc, firstLine, exit };
}

function listenOn(port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer((_req, res) => res.end('not the dashboard'));
    server.once('error', reject);
    server.listen(port, host, () => resolveServer(server));
  });
}

const closeServer = (server: Server): Promise<void> => new Promise((r) => server.close(() => r()));

/** Whether a TCP connection to host:port is accepted (the dashboard answers) or refused. */
async function reachable(host: string, port: number): Promise<boolean> {
  try {
    await fetch(`http://${host}:${port}/api/summary`, { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

describe('kie-watch dashboard', () => {
  let redis: RedisServer;
  let dir: string;
  beforeAll(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), 'kie-dash-cli-'));
    const store = new RedisFleetStore({ redis: redis.client(), prefix: 'kie', account: 'kcli000000001' });
    await store.register([0, 1, 2, 3].map((i) => ({ key: { family: 'mj', taskId: `cli-task-${i}` }, timeoutMs: 600_000, delayMs: 600_000 })));
    await store.close();
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its URL on the first line (--port 0 picks a free port), serves the page and the summary on loopback, and stops with 0 on SIGTERM', async () => {
    const run = start(['--redis', redis.socket, '--port', '0']);
    const url = await run.firstLine;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const summary = (await (await fetch(`${url}api/summary`)).json()) as DashboardSummary;
    expect(summary.pending).toBe(4);
    const page = await fetch(url);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).toContain('data-metric="pending"');
    // Without a token on loopback, a request naming another host (DNS rebinding) is refused.
    const port = new URL(url).port;
    const rebound = await new Promise<number>((r) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port, path: '/api/summary', headers: { host: `attacker.example:${port}` } }, (res) => {
          res.resume();
          r(res.statusCode ?? 0);
        });
        req.end();
      }, () => r(0));
    });
    expect(rebound).toBe(403);
    run.proc.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
  });

  it('--port 0 gives each of two dashboards started at once its own free port, even with the default port taken; --port N listens on N', async () => {
    // The default port is held by another server: a dashboard that ignored --port 0 would fail to listen.
    const squatter = await listenOn(DEFAULT_DASHBOARD_PORT).catch(() => undefined);
    const runs = [start(['--redis', redis.socket, '--port', '0']), start(['--redis', redis.socket, '--port', '0'])];
    try {
      const urls = await Promise.all(runs.map((r) => r.firstLine));
      const ports = urls.map((u) => Number(new URL(u).port));
      expect(new Set(ports).size).toBe(2);
      expect(ports).not.toContain(DEFAULT_DASHBOARD_PORT);
      for (const url of urls) expect(((await (await fetch(`${url}api/summary`)).json()) as DashboardSummary).pending).toBe(4);
    } finally {
      for (const r of runs) r.proc.kill('SIGTERM');
      await Promise.all(runs.map((r) => r.exit));
      if (squatter) await closeServer(squatter);
    }
    const probe = await listenOn(0);
    const free = (probe.address() as AddressInfo).port;
    await closeServer(probe);
    const fixed = start(['--redis', redis.socket, '--port', String(free)]);
    try {
      expect(await fixed.firstLine).toBe(`http://127.0.0.1:${free}/`);
      expect(await reachable('127.0.0.1', free)).toBe(true);
    } finally {
      fixed.proc.kill('SIGTERM');
      await fixed.exit;
    }
  });

  it('listens on 127.0.0.1 only by default; --host 0.0.0.0 with a token listens on every address', async () => {
    // 127.0.0.2 is another address of the loopback interface: refused when bound to 127.0.0.1 alone.
    const local = start(['--redis', redis.socket, '--port', '0']);
    const port = Number(new URL(await local.firstLine).port);
    try {
      expect(await reachable('127.0.0.1', port)).toBe(true);
      expect(await reachable('127.0.0.2', port)).toBe(false);
    } finally {
      local.proc.kill('SIGTERM');
      await local.exit;
    }
    const file = join(dir, 'token-any');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const open = start(['--redis', redis.socket, '--port', '0', '--host', '0.0.0.0', '--token-file', file]);
    const anyPort = Number(new URL(await open.firstLine).port);
    try {
      expect(await reachable('127.0.0.2', anyPort)).toBe(true);
      const res = await fetch(`http://127.0.0.2:${anyPort}/api/summary`);
      expect(res.status).toBe(401);
    } finally {
      open.proc.kill('SIGTERM');
      await open.exit;
    }
  });

  it('--prefix shows the fleet under that prefix only', async () => {
    const other = start(['--redis', redis.socket, '--port', '0', '--prefix', 'elsewhere']);
    try {
      const url = await other.firstLine;
      expect(((await (await fetch(`${url}api/summary`)).json()) as DashboardSummary).pending).toBe(0);
    } finally {
      other.proc.kill('SIGTERM');
      await other.exit;
    }
  });

  it('refuses a host other than loopback without a token: exit 2 with a message', async () => {
    const run = start(['--redis', redis.socket, '--port', '0', '--host', '0.0.0.0']);
    const { code, stderr } = await run.exit;
    expect(code).toBe(2);
    expect(stderr).toMatch(/--host 0\.0\.0\.0 .*without a token.*--token-file/s);
  });

  it('with --token-file, every request needs the token or the cookie of the one-time link on the first line', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
    const run = start(['--redis', redis.socket, '--port', '0', '--host', '0.0.0.0', '--token-file', file]);
    const link = await run.firstLine;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?once=[A-Za-z0-9_-]{20,}$/);
    const base = link.slice(0, link.indexOf('?'));
    expect((await fetch(`${base}api/summary`)).status).toBe(401);
    expect((await fetch(`${base}api/summary`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${base}api/summary`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(link)).status).toBe(401);
    run.proc.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  });

  it('exits 3 with a message when the Redis does not answer, and 2 on a short token', async () => {
    const gone = await start(['--redis', join(dir, 'no-such.sock'), '--port', '0']).exit;
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/cannot reach the Redis/);
    const file = join(dir, 'short');
    writeFileSync(file, 'short\n');
    const short = await start(['--redis', redis.socket, '--port', '0', '--token-file', file]).exit;
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/fewer than 16 characters/);
  });
});
