import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVersion, connectAdmin, deleteRunKeys, loadIoredis } from '../../src/cli/fleet/redis.js';
import { findRedisServer, PrivateRedisServer } from '../../src/cli/fleet/redis-server.js';
import { redisServerBinary, RedisServer } from '../helpers/redis-server.js';

describe('finding a redis-server on PATH', () => {
  let dir = '';
  const bin = (sub: string, name: string, mode = 0o755): string => {
    mkdirSync(join(dir, sub), { recursive: true });
    const file = join(dir, sub, name);
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, mode);
    return file;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kie-path-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers a redis-server anywhere on PATH to a valkey-server, skips what cannot be run, and finds none on an empty PATH', () => {
    const valkey = bin('a', 'valkey-server');
    bin('b', 'redis-server', 0o644);
    mkdirSync(join(dir, 'c', 'redis-server'), { recursive: true });
    const redis = bin('d', 'redis-server');
    const path = ['a', 'b', 'c', 'd'].map((d) => join(dir, d)).join(delimiter);
    expect(findRedisServer(path)).toBe(redis);
    expect(findRedisServer(['a', 'b', 'c'].map((d) => join(dir, d)).join(delimiter))).toBe(valkey);
    expect(findRedisServer(join(dir, 'b'))).toBeUndefined();
    expect(findRedisServer(undefined)).toBeUndefined();
    expect(findRedisServer('')).toBeUndefined();
  });
});

describe('the private redis-server of demo --workers', () => {
  it('answers on its unix socket only, and leaves nothing once stopped', async () => {
    const server = await PrivateRedisServer.start(redisServerBinary());
    const lib = await loadIoredis();
    if (lib === undefined) throw new Error('ioredis is a dev dependency');
    const client = await connectAdmin(lib, { socket: server.socket });
    expect(await checkVersion(client)).toMatch(/^(valkey )?\d+\.\d+\.\d+$/);
    // --port 0: no TCP listener at all.
    expect(await client.config('GET', 'port')).toEqual(['port', '0']);
    client.disconnect();
    await server.stop();
    expect(server.running).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
  });

  it('fails to start with the server\'s own words, and removes its directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kie-fake-redis-'));
    const fake = join(dir, 'redis-server');
    writeFileSync(fake, '#!/bin/sh\necho "bad config: $1"\nexit 1\n');
    chmodSync(fake, 0o755);
    try {
      await expect(PrivateRedisServer.start(fake)).rejects.toThrow(/redis-server exited \(1\) before it was ready:\nbad config: --port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("removing a run's keys", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('removes every key under the prefix, in SCAN batches, and no other', async () => {
    const c = server.client();
    const mine = Array.from({ length: 1_234 }, (_, i) => `kie-demo-1a2b3c4d:{acct}:t:${i}`);
    for (let i = 0; i < mine.length; i += 500) await c.mset(...mine.slice(i, i + 500).flatMap((k) => [k, 'x']));
    await c.mset('kie-demo-1a2b3c4d', 'not under the prefix', 'kie-demo-1a2b3c4de:x', 'another run', 'kie:{acct}:due', 'another fleet');
    expect(await deleteRunKeys(c, 'kie-demo-1a2b3c4d')).toBe(1_234);
    expect((await c.keys('*')).sort()).toEqual(['kie-demo-1a2b3c4d', 'kie-demo-1a2b3c4de:x', 'kie:{acct}:due']);
  });

  it('takes a prefix with glob characters literally', async () => {
    const c = server.client();
    await c.mset('a*b:1', 'x', 'aXb:1', 'y', 'a?b[1]:2', 'z', 'a1b]:2', 'w');
    expect(await deleteRunKeys(c, 'a*b')).toBe(1);
    expect(await deleteRunKeys(c, 'a?b[1]')).toBe(1);
    expect((await c.keys('a*')).sort()).toEqual(['a1b]:2', 'aXb:1']);
  });
});
