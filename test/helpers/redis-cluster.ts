import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisServerBinary } from './redis-server.js';

/** A free TCP port on loopback, as the kernel hands one out. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A real Redis Cluster on loopback: three masters (`--cluster-enabled yes`, no replicas), made one cluster by
 * `redis-cli --cluster create`. Each node in a temp dir of its own, without persistence.
 */
export class RedisCluster {
  readonly nodes: { readonly host: string; readonly port: number }[];
  readonly #procs: ChildProcess[];
  readonly #dir: string;

  private constructor(nodes: { host: string; port: number }[], procs: ChildProcess[], dir: string) {
    this.nodes = nodes;
    this.#procs = procs;
    this.#dir = dir;
  }

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'kie-cluster-'));
    const nodes: { host: string; port: number }[] = [];
    const procs: ChildProcess[] = [];
    const cluster = new RedisCluster(nodes, procs, dir);
    try {
      for (let i = 0; i < masters; i++) {
        const port = await freePort();
        const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000', '--dir', dir, '--save', '', '--appendonly', 'no'];
        const proc = spawn(redisServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
        procs.push(proc);
        nodes.push({ host: '127.0.0.1', port });
        await new Promise<void>((resolve, reject) => {
          let out = '';
          const timer = setTimeout(() => reject(new Error(`cluster node ${port} did not start:\n${out}`)), 10_000);
          proc.stdout?.on('data', (c: Buffer) => {
            out += c.toString();
            if (/ready to accept connections/i.test(out)) {
              clearTimeout(timer);
              resolve();
            }
          });
          proc.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`cluster node ${port} exited (${code}):\n${out}`));
          });
        });
      }
      const cli = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
      if (cli.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${cli.stdout}${cli.stderr}`);
      // Every slot served before a client connects.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const info = spawnSync('redis-cli', ['-p', String(nodes[0]?.port), 'cluster', 'info'], { encoding: 'utf8' });
        if (/cluster_state:ok/.test(info.stdout) && /cluster_slots_ok:16384/.test(info.stdout)) break;
        if (Date.now() > deadline) throw new Error(`cluster not ok:\n${info.stdout}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
