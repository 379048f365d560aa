/**
 * The per-task limit counts a request at the instant it is really handed to the HTTP stack, not at the instant
 * the scheduler admitted it. Anything that runs between the two (a slow `pollStart` subscriber, a GC pause, the
 * process being descheduled on a loaded machine) moved the real send later than the limiter's record, so the
 * next request of the same taskId (here: watched under a second family, which the limiter spaces by taskId)
 * went out closer than the per-task interval. Driven by an injected clock: the "stall" is time that passes
 * inside the pump, as on a blocked event loop, and sends are recorded where undici receives them.
 *
 * FAILS as of 6839d96: the limiter slot was taken before `pollStart` subscribers ran and before the dispatch.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import FakeTimers from '@sinonjs/fake-timers';
import fc from 'fast-check';
import { MockAgent, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { CHANNELS, TaskWatcher, type PollStartMessage } from '../../src/index.js';
import type { Clock } from '../../src/clock.js';
import { EPOCH } from '../helpers/fake-clock.js';
import { BASE, generating } from '../helpers/mock-api.js';

/** A fake clock whose time can also jump inside synchronous code (a stall), firing no timer on the way. */
function stallableClock(): Clock & { fake: FakeTimers.Clock; stall(ms: number): void; settle(): Promise<void> } {
  const fake = FakeTimers.createClock(0);
  let stalled = 0;
  return {
    fake,
    now: () => fake.now + stalled,
    epochNow: () => EPOCH + fake.now + stalled,
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (h) => fake.clearTimeout(h as FakeTimers.TimerId),
    stall: (ms) => void (stalled += ms),
    settle: async () => {
      for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    },
  };
}

/** Records, per taskId, the clock's epoch time at which each request reached the dispatcher. */
class RecordingAgent extends MockAgent {
  readonly sends: { taskId: string; at: number }[] = [];
  readonly #clock: Clock;
  readonly #stallAtDispatch: (taskId: string) => number;
  constructor(clock: Clock, stallAtDispatch: (taskId: string) => number) {
    super();
    this.#clock = clock;
    this.#stallAtDispatch = stallAtDispatch;
    this.disableNetConnect();
    this.get(BASE)
      .intercept({ path: () => true, method: 'GET' })
      .reply((opts) => ({ statusCode: 200, data: JSON.stringify(generating(new URL(opts.path, BASE).searchParams.get('taskId') ?? '').body) }))
      .persist();
  }
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const taskId = new URL(options.path, BASE).searchParams.get('taskId') ?? '';
    this.sends.push({ taskId, at: this.#clock.epochNow() });
    // Time the send itself costs after the request is on its way (does not delay this request).
    (this.#clock as ReturnType<typeof stallableClock>).stall(this.#stallAtDispatch(taskId));
    return super.dispatch(options, handler);
  }
}

async function run(stalls: { subscriberMs: number[]; dispatchMs: number; fillers: number }): Promise<{ gaps: number[]; minIntervalMs: number }> {
  const clock = stallableClock();
  const agent = new RecordingAgent(clock, (id) => (id === 'shared' ? 0 : stalls.dispatchMs));
  const w = new TaskWatcher({ apiKey: 'k-spacing-1234', baseUrl: BASE, dispatcher: agent, clock, random: () => 0.5, policy: 'fastest', unknownTaskGraceMs: 60_000 });
  w.on('error', () => undefined);
  let n = 0;
  // A subscriber that takes time: user code that runs synchronously on the request path.
  const onStart = (message: unknown): void => {
    if ((message as PollStartMessage).taskId !== 'shared') return;
    clock.stall(stalls.subscriberMs[n % stalls.subscriberMs.length] ?? 0);
    n += 1;
  };
  subscribe(CHANNELS.pollStart, onStart);
  try {
    for (let i = 0; i < stalls.fillers; i++) w.watch(`filler-${i}`, { family: 'gpt4o-image', timeoutMs: 60_000 });
    w.watch('shared', { family: 'gpt4o-image', timeoutMs: 60_000 });
    w.watch('shared', { family: 'flux-kontext', timeoutMs: 60_000 });
    for (let t = 0; t < 3_000; t += 10) {
      clock.fake.tick(10);
      await clock.settle();
    }
  } finally {
    unsubscribe(CHANNELS.pollStart, onStart);
    await w.close();
    await agent.close();
  }
  const at = agent.sends.filter((s) => s.taskId === 'shared').map((s) => s.at);
  return { gaps: at.slice(1).map((t, i) => t - (at[i] ?? 0)), minIntervalMs: w.minIntervalMs };
}

describe('the per-task limit counts a request when it really starts', () => {
  it('spaces one taskId watched under two families by the interval at the dispatcher, though a pollStart subscriber stalls 200 ms', async () => {
    const { gaps, minIntervalMs } = await run({ subscriberMs: [200, 0], dispatchMs: 0, fillers: 0 });
    expect(gaps.length).toBeGreaterThan(4);
    expect(Math.min(...gaps), `gaps: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(minIntervalMs);
  });

  it('keeps the spacing for any pattern of stalls on the request path and of dispatch costs in a long pump', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        async (subscriberMs, dispatchMs, fillers) => {
          const { gaps, minIntervalMs } = await run({ subscriberMs, dispatchMs, fillers });
          expect(gaps.length).toBeGreaterThan(1);
          expect(Math.min(...gaps), `gaps: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(minIntervalMs);
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);
});
