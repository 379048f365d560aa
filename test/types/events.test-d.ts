import { describe, expectTypeOf, it } from 'vitest';
import {
  TaskWatcher,
  type CompletedEvent,
  type FailedEvent,
  type KieWatcherError,
  type KieWatcherErrorCode,
  type ProgressEvent,
  type RateLimitedEvent,
  type RetryEvent,
  type TaskUpdate,
  type TimeoutEvent,
  type WatchResult,
} from '../../src/index.js';

declare const w: TaskWatcher;

describe('event map', () => {
  it('types each listener payload by event name', () => {
    w.on('progress', (e) => expectTypeOf(e).toEqualTypeOf<ProgressEvent>());
    w.on('completed', (e) => expectTypeOf(e).toEqualTypeOf<CompletedEvent>());
    w.on('failed', (e) => expectTypeOf(e).toEqualTypeOf<FailedEvent>());
    w.on('timeout', (e) => expectTypeOf(e).toEqualTypeOf<TimeoutEvent>());
    w.on('retry', (e) => expectTypeOf(e).toEqualTypeOf<RetryEvent>());
    w.on('rateLimited', (e) => expectTypeOf(e).toEqualTypeOf<RateLimitedEvent>());
    w.once('idle', (...args) => expectTypeOf(args).toEqualTypeOf<[]>());
  });

  it('refuses unknown event names and wrong payloads', () => {
    // @ts-expect-error not an event of the watcher
    w.on('done', () => undefined);
    // @ts-expect-error progress carries a ProgressEvent, not a string
    w.on('progress', (e: string) => e);
  });

  it('gives progress as a number and status as a string', () => {
    expectTypeOf<ProgressEvent['progress']>().toEqualTypeOf<number>();
    expectTypeOf<RateLimitedEvent['scope']>().toEqualTypeOf<'task' | 'account'>();
  });
});

describe('promises and iterators', () => {
  it('resolves waitForCompletion with a WatchResult whose status is the literal SUCCESS', () => {
    expectTypeOf(w.waitForCompletion('t')).toEqualTypeOf<Promise<WatchResult>>();
    expectTypeOf<WatchResult['status']>().toEqualTypeOf<'SUCCESS'>();
    expectTypeOf<WatchResult['progress']>().toEqualTypeOf<1>();
  });

  it('iterates TaskUpdate items narrowed by type', () => {
    expectTypeOf(w.updates('t')).toEqualTypeOf<AsyncIterableIterator<TaskUpdate>>();
    const u = {} as TaskUpdate;
    if (u.type === 'completed') expectTypeOf(u.result).toEqualTypeOf<WatchResult>();
    else expectTypeOf(u.progress).toEqualTypeOf<number>();
  });

  it('exposes error codes as a literal union', () => {
    expectTypeOf<KieWatcherError['code']>().toEqualTypeOf<KieWatcherErrorCode>();
    expectTypeOf<'KIE_TASK_FAILED'>().toExtend<KieWatcherErrorCode>();
  });

  it('takes only the documented policy shapes', () => {
    new TaskWatcher({ apiKey: 'k', policy: 'adaptive' });
    new TaskWatcher({ apiKey: 'k', policy: { intervalMs: 2000 } });
    new TaskWatcher({ apiKey: 'k', policy: (s) => s.minIntervalMs * 2 });
    // @ts-expect-error not a policy
    new TaskWatcher({ apiKey: 'k', policy: 'sometimes' });
  });
});
