import { afterEach, describe, expect, it } from 'vitest';
import { createCallbackHandler } from '../../src/callbacks/index.js';
import type { CallbackPokeTarget } from '../../src/callbacks/index.js';
import { failOnProcessErrors } from '../reliability/helpers.js';
import { HMAC_KEY, RecordingWatcher, post, signed, startReceiver, successBody } from './helpers.js';
import type { Receiver } from './helpers.js';

failOnProcessErrors();

let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function levels(r: Receiver): { level: number; msg: string; reason?: string; err?: string }[] {
  return r.lines.map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string; err?: string });
}

describe('the poke is fire and forget', () => {
  it('answers 200 even when poke throws, and logs the failure at warn', async () => {
    const watcher: CallbackPokeTarget = {
      poke() {
        throw new Error('watcher exploded');
      },
    };
    const r = await receiver({}, watcher as RecordingWatcher);
    expect((await post(`${r.url}/cb`, successBody('t1'))).status).toBe(200);
    expect(levels(r).find((l) => l.level === 40)).toMatchObject({ msg: 'poke after a KIE callback failed', err: 'watcher exploded' });
  });

  it('answers 200 when poke returns a rejected promise, with no unhandled rejection', async () => {
    const watcher: CallbackPokeTarget = { poke: () => Promise.reject(new Error('later')) };
    const r = await receiver({}, watcher as RecordingWatcher);
    expect((await post(`${r.url}/cb`, successBody('t1'))).status).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(levels(r).some((l) => l.level === 40 && l.err === 'later')).toBe(true);
  });

  it('answers 200 at once when poke returns a promise that never settles', async () => {
    const watcher: CallbackPokeTarget = { poke: () => new Promise(() => undefined) };
    const r = await receiver({}, watcher as RecordingWatcher);
    const started = performance.now();
    expect((await post(`${r.url}/cb`, successBody('t1'))).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('the family', () => {
  it('is guessed from a Suno body (task_id spelling) and from a market record', async () => {
    const r = await receiver();
    await post(`${r.url}/cb`, { code: 200, msg: 'ok', data: { callbackType: 'complete', task_id: 'suno-1', data: [] } });
    await post(`${r.url}/cb`, { code: 200, msg: 'ok', data: { taskId: 'mk-1', state: 'fail', model: 'kling', resultJson: '' } });
    expect(r.watcher.pokes).toEqual([
      { taskId: 'suno-1', family: 'suno' },
      { taskId: 'mk-1', family: 'market' },
    ]);
  });

  it('is options.family when given, whatever the body says', async () => {
    const r = await receiver({ family: 'veo' });
    await post(`${r.url}/cb`, { code: 200, data: { taskId: 'mk-1', state: 'success', model: 'x', resultJson: '{}' } });
    expect(r.watcher.pokes).toEqual([{ taskId: 'mk-1', family: 'veo' }]);
  });
});

describe('logging', () => {
  it('says a signature failure at warn once a minute per reason, the rest at debug', async () => {
    const r = await receiver({ hmacKey: HMAC_KEY });
    for (let i = 0; i < 5; i++) await post(`${r.url}/cb`, successBody(`t${i}`), { headers: signed('other') });
    await post(`${r.url}/cb`, [1], { headers: signed('t') });
    const rejected = levels(r).filter((l) => l.reason !== undefined);
    expect(rejected.map((l) => [l.level, l.reason])).toEqual([
      [40, 'bad-signature'],
      [20, 'bad-signature'],
      [20, 'bad-signature'],
      [20, 'bad-signature'],
      [20, 'bad-signature'],
      [20, 'malformed-body'],
    ]);
  });
});

describe('close()', () => {
  it('forgets what it saw; the handler keeps serving', async () => {
    const r = await receiver({ pokeIntervalMs: 0 });
    await post(`${r.url}/cb`, successBody('t1'));
    r.handler.close();
    expect((await post(`${r.url}/cb`, successBody('t1'))).status).toBe(200);
    expect(r.watcher.pokes).toHaveLength(2);
  });
});

describe('options', () => {
  it('are checked when the handler is created, without echoing the key', () => {
    const w = new RecordingWatcher();
    expect(() => createCallbackHandler({} as RecordingWatcher)).toThrow(/poke/);
    expect(() => createCallbackHandler(w, { hmacKey: '' })).toThrow(TypeError);
    expect(() => createCallbackHandler(w, { maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => createCallbackHandler(w, { pokeIntervalMs: -1 })).toThrow(/pokeIntervalMs/);
    expect(() => createCallbackHandler(w, { dedupeMaxEntries: 1.5 })).toThrow(/dedupeMaxEntries/);
    expect(() => createCallbackHandler(w, { toleranceSec: -5 })).toThrow(/toleranceSec/);
    expect(() => createCallbackHandler(w, { family: '' })).toThrow(/family/);
  });
});
