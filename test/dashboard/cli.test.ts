import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSummary } from '../../src/dashboard/index.js';
import { RedisFleetStore } from '../../src/redis/index.js';
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
