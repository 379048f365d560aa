import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FilePendingTaskStore, MemoryPendingTaskStore, SubmitUnknownError, type PollState } from '../../src/index.js';
import { bundle } from '../helpers/bundle.js';
import { closeAll, json, open, rejection, server, sim, watcher } from './helpers.js';
import { until } from '../redis/helpers.js';

let script = '';
let dir = '';
beforeAll(async () => {
  script = await bundle('test/create/fixtures/submit-worker.ts');
  dir = mkdtempSync(join(tmpdir(), 'kie-submit-keys-'));
});
afterAll(() => {
  rmSync(script, { force: true });
  rmSync(dir, { recursive: true, force: true });
});
afterEach(closeAll);

type Message = { type: string; [k: string]: unknown };

function start(config: object): { messages: Message[]; proc: ReturnType<typeof fork>; exited: Promise<unknown> } {
  const proc = fork(script, [], { env: { ...process.env, SUBMIT_WORKER: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const messages: Message[] = [];
  proc.on('message', (m: Message) => messages.push(m));
  const exited = new Promise((r) => proc.once('exit', r));
  return { messages, proc, exited };
}

describe('keys in a PendingTaskStore survive the process', () => {
  it('a process killed (kill -9) after sending and before storing the answer leaves the key unknown, never free', async () => {
    // The create arrives and is held: the answer never comes before the kill.
    const srv = await server(() => undefined);
    const file = join(dir, 'killed.jsonl');
    // Batches are written only when flushed: what is on disk is what the watcher flushed before sending.
    const first = start({ file, baseUrl: srv.url, key: 'order-1', mode: 'submit', flushIntervalMs: 600_000 });
    expect(await until(() => srv.requests.length === 1, 10_000)).toBe(true);
    first.proc.kill('SIGKILL');
    await first.exited;
    const store = await FilePendingTaskStore.open(file);
    open.push(store);
    const w = watcher(srv.url, { store });
    const err = await rejection(w.submit('gpt4o-image', { prompt: 'a fox', size: '1:1' }, { key: 'order-1' }));
    expect(err).toBeInstanceOf(SubmitUnknownError);
    expect((err as SubmitUnknownError).key).toBe('order-1');
    expect((err as SubmitUnknownError).sentAt).toEqual(expect.any(Number));
    expect(srv.requests).toHaveLength(1);
  }, 30_000);

  it('a created task is recorded pending: after kill -9 resume() finds it, and its key returns it without a request', async () => {
    const s = await sim({ generate: { minDurationMs: 2_000, maxDurationMs: 2_000, failureRate: 0 } });
    const file = join(dir, 'created.jsonl');
    const first = start({ file, baseUrl: s.url, key: 'order-2', mode: 'submit', flushIntervalMs: 5 });
    expect(await until(() => first.messages.some((m) => m.type === 'created'), 10_000)).toBe(true);
    const taskId = first.messages.find((m) => m.type === 'created')?.['taskId'];
    // Give the store's batch (5 ms) time to reach the disk, then kill.
    await new Promise((r) => setTimeout(r, 100));
    first.proc.kill('SIGKILL');
    await first.exited;
    const store = await FilePendingTaskStore.open(file);
    open.push(store);
    const w = watcher(s.url, { store });
    expect(await w.resume()).toBe(1);
    expect(w.isWatching(String(taskId))).toBe(true);
    const again = await w.submit('gpt4o-image', { prompt: 'a fox', size: '1:1' }, { key: 'order-2' });
    expect(again.taskId).toBe(taskId);
    expect(s.createStats().arrivals).toBe(1);
    expect((await w.waitForCompletion(String(taskId))).taskId).toBe(taskId);
  }, 30_000);

  it('the key record is written before the request leaves (the store holds "sending" while it is out)', async () => {
    const store = new MemoryPendingTaskStore();
    const seen: (string | undefined)[] = [];
    const srv = await server((_req, res) => {
      seen.push(store.getSubmitKey('k')?.state);
      json(res, { code: 200, msg: 'success', data: { taskId: 't-1' } });
    });
    const w = watcher(srv.url, { store });
    await w.submit('veo', { prompt: 'x' }, { key: 'k' });
    expect(seen).toEqual(['sending']);
    expect(store.getSubmitKey('k')).toMatchObject({ state: 'created', taskId: 't-1', family: 'veo' });
    expect([...store.list()].map((p) => p.taskId)).toEqual(['t-1']);
  });
});

describe('callbackUrl', () => {
  it('every create carries it as callBackUrl, and the created tasks\' polls expect a callback', async () => {
    const s = await sim({ generate: { minDurationMs: 300, maxDurationMs: 300, failureRate: 0 } });
    const states: boolean[] = [];
    const w = watcher(s.url, {
      callbackUrl: 'https://hooks.example.com/kie',
      policy: (state: PollState) => {
        states.push(state.expectCallback);
        return 100;
      },
    });
    const r = await w.generate('market', { model: 'google/nano-banana', input: { prompt: 'x' } });
    const [body] = [...s.bills().keys()];
    expect(JSON.parse(body ?? '{}')).toMatchObject({ callBackUrl: 'https://hooks.example.com/kie', model: 'google/nano-banana' });
    expect(r.family).toBe('market');
    expect(states.length).toBeGreaterThan(0);
    expect(states.every(Boolean)).toBe(true);
  });
});
