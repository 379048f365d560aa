// Where a pending task's Redis memory goes (issue 14's goal: <= 350 B per pending task), measured as
// redis-server's `used_memory` delta over 20,000 tasks with 32-character ids, the provider's length:
//   1. through the real store (RedisFleetStore): registered; then claimed and reported with a typical poll
//      state (the streams left out: MAXLEN bounds them whatever the number of tasks);
//   2. the same shapes written directly, one part at a time, to see what each part costs.
// No polling, so the machine's load does not change these figures.
//
//   npm run build && node bench/fleet/memory.mjs      prints JSON
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisFleetStore } from '../../dist/redis/index.js';
import { startRedis } from './run.mjs';

const N = 20_000;
const ids = Array.from({ length: N }, (_, i) => `${i.toString(16).padStart(8, '0')}a8e1f2d35f3c1a9e2b7d4c60`);
// What the engine stores after a first poll (src/fleet/codec.ts): polls, flags, times, status, progress.
const STATE = '[1,0,47,"GENERATING",0,0,47,47,-39]';

async function usedLessStreams(admin) {
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1]);
  let streams = 0;
  for (const k of [...(await admin.keys('*:events')), ...(await admin.keys('*:results'))]) streams += Number(await admin.call('MEMORY', 'USAGE', k));
  return used - streams;
}

async function throughStore(admin, socket) {
  await admin.flushall();
  const client = new Redis({ path: socket });
  const store = new RedisFleetStore({ redis: client, account: 'kd40a28171c1d', sendGuardMs: 10_000 });
  try {
    await store.tick([], 0);
    const base = await usedLessStreams(admin);
    for (let i = 0; i < N; i += 1000) await store.register(ids.slice(i, i + 1000).map((taskId) => ({ key: { family: 'mj', taskId }, timeoutMs: 3_600_000 })));
    const registered = await usedLessStreams(admin);
    const claims = [];
    for (;;) {
      const r = await store.tick([], 500);
      claims.push(...r.claims);
      if (r.claims.length === 0) break;
    }
    const claimed = await usedLessStreams(admin);
    for (let i = 0; i < claims.length; i += 1000) await store.tick(claims.slice(i, i + 1000).map((c) => ({ kind: 'next', key: c.key, fence: c.fence, delayMs: 60_000, state: STATE })), 0);
    const tatKeys = (await admin.keys('*:g:*')).length;
    const reported = await usedLessStreams(admin);
    // The TAT keys live for one interval (374 ms) after each claim.
    await new Promise((r) => setTimeout(r, 600));
    const settledTats = await usedLessStreams(admin);
    const per = (x) => Math.round((x - base) / N);
    return { claims: claims.length, registered: per(registered), claimedAllTatKeysAlive: per(claimed), reportedWithTatKeys: per(reported), tatKeys, reportedNoTatKeys: per(settledTats) };
  } finally {
    await store.close();
    client.disconnect();
  }
}

/** Bytes per task of one shape, written by one script over the N ids. */
async function shape(admin, body) {
  await admin.flushall();
  const before = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1]);
  const lua = `local ids = ARGV
for i = 1, #ids do
  local id = ids[i]
  local k = 'kie:{kd40a28171c1d}:t:_m:' .. id
  local m = '_m:' .. id
  local g = 'kie:{kd40a28171c1d}:g:' .. id
  local due = 'kie:{kd40a28171c1d}:due'
  ${body}
end
return 1`;
  for (let i = 0; i < N; i += 5000) await admin.eval(lua, 0, ...ids.slice(i, i + 5000));
  const after = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1]);
  return Math.round((after - before) / N);
}

const polled = `redis.call('HSET', k, 'w', '1796691892941', 'd', '3600001', 'i', ',1,', 'f', '1796691818442385', 'o', '', 's', '${STATE}')`;
const registered = `redis.call('HSET', k, 'w', '1796691892941', 'd', '3600001', 'i', ',1,')`;
const ttl = `redis.call('PEXPIRE', k, 3600000)`;
const due = `redis.call('ZADD', due, 1796691892941.123 + i, m)`;
const tat = `redis.call('SET', g, '1796691893315.456', 'PX', 3600000)`;

export async function memoryBreakdown() {
  const dir = mkdtempSync(join(tmpdir(), 'kie-fleet-memory-'));
  const redis = await startRedis(dir);
  const admin = new Redis({ path: redis.socket });
  try {
    const store = await throughStore(admin, redis.socket);
    const parts = {
      dueEntry: await shape(admin, due),
      hashRegistered: await shape(admin, registered),
      hashRegisteredWithoutInterest: await shape(admin, `redis.call('HSET', k, 'w', '1796691892941', 'd', '3600001')`),
      hashPolled: await shape(admin, polled),
      hashPolledWithExpiry: await shape(admin, `${polled}; ${ttl}`),
      tatKey: await shape(admin, tat),
      pendingPolled: await shape(admin, `${polled}; ${ttl}; ${due}`),
      // The alternative layout: one account-wide hash of packed records (its TTL follows the due set's), here a
      // 77-byte record, about what w|d|i|f|o|s take packed, plus the due entry.
      packedRecordAndDue: await shape(admin, `redis.call('HSET', 'kie:{kd40a28171c1d}:tasks', m, string.rep('x', 77)); ${due}`),
    };
    return { tasks: N, taskIdLength: ids[0].length, redisVersion: /redis_version:(\S+)/.exec(await admin.info('server'))[1], store, parts };
  } finally {
    admin.disconnect();
    redis.proc.kill('SIGTERM');
    await new Promise((r) => redis.proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await memoryBreakdown(), null, 2));
