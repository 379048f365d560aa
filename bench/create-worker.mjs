// One process of the create benchmark (bench/create.mjs): `generate()`s its share of prompts, or creates them
// with the naive loop public clients use, and prints one RESULT line.
//
// usage: node bench/create-worker.mjs '<json config>'
import { Redis } from 'ioredis';
import { TaskWatcher } from '../dist/index.js';
import { RedisCoordinator } from '../dist/redis/index.js';

const c = JSON.parse(process.argv[2]);
const prompts = Array.from({ length: c.count }, (_, i) => `${c.name} prompt ${c.offset + i}`);
const t0 = Date.now();

if (c.mode === 'naive') {
  // What public clients do: fetch, and on any failure (timeout, reset, non-200) try again, 3 times. Paced at the
  // creation limit so that 429s do not dominate; it has no key, so a lost answer is simply sent again.
  const gapMs = (c.windowMs / c.requests) * 1.05;
  let failures = 0;
  const one = async (prompt) => {
    for (let attempt = 0; attempt <= 3; attempt++) {
      try {
        const res = await fetch(`${c.url}/api/v1/gpt4o-image/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${c.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prompt, size: '1:1' }),
          signal: AbortSignal.timeout(c.requestTimeoutMs),
        });
        const body = await res.json();
        if (body.code === 200 && body.data?.taskId) return true;
      } catch {
        // retried below
      }
      failures += 1;
    }
    return false;
  };
  const pending = [];
  for (const p of prompts) {
    pending.push(one(p));
    await new Promise((r) => setTimeout(r, gapMs));
  }
  const ok = (await Promise.all(pending)).filter(Boolean).length;
  process.stdout.write(`RESULT ${JSON.stringify({ created: ok, failures, elapsedMs: Date.now() - t0 })}\n`);
  process.exit(0);
}

const redis = c.socket ? new Redis({ path: c.socket, maxRetriesPerRequest: 0, enableOfflineQueue: false }) : undefined;
const watcher = new TaskWatcher({
  apiKey: c.apiKey,
  baseUrl: c.url,
  policy: 'fastest',
  requestTimeoutMs: c.requestTimeoutMs,
  submitLimit: { requests: c.requests, windowMs: c.windowMs },
  retry: { baseDelayMs: 50, maxDelayMs: 500, maxConsecutiveErrors: 20 },
  ...(redis ? { coordinator: new RedisCoordinator({ redis }) } : {}),
});
watcher.on('error', () => undefined);
const outcomes = await Promise.all(
  prompts.map((prompt, i) =>
    watcher.generate('gpt4o-image', { prompt, size: '1:1' }, { key: `${c.name}-${c.offset + i}`, timeoutMs: 600_000 }).then(
      () => ({ ok: true }),
      (err) => ({ ok: false, code: err.code, key: err.key, expectedKey: `${c.name}-${c.offset + i}` }),
    ),
  ),
);
const unknown = outcomes.filter((o) => o.code === 'KIE_SUBMIT_UNKNOWN');
const result = {
  settled: outcomes.length,
  succeeded: outcomes.filter((o) => o.ok).length,
  unknown: unknown.length,
  unknownWithKey: unknown.filter((o) => o.key === o.expectedKey).length,
  otherErrors: Object.entries(outcomes.reduce((m, o) => (o.ok || o.code === 'KIE_SUBMIT_UNKNOWN' ? m : { ...m, [o.code]: (m[o.code] ?? 0) + 1 }), {})),
  elapsedMs: Date.now() - t0,
};
await watcher.close();
redis?.disconnect();
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
