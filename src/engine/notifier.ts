import type { EventEmitter } from 'node:events';
import { CallbackError } from '../errors.js';
import type { TaskWatcherEvents } from '../events.js';
import type { Log } from '../logger.js';
import { taskKey } from '../validate.js';

type EventName = Exclude<keyof TaskWatcherEvents, 'error'>;

/** The task an effect is about, for error reports and for recognising re-entrant replays. */
export interface EffectContext {
  readonly taskId: string;
  readonly family: string;
}

type Effect =
  | { readonly kind: 'event'; readonly name: EventName; readonly payload: unknown; readonly ctx: EffectContext | undefined }
  | { readonly kind: 'call'; readonly label: string; readonly fn: (arg: never) => void; readonly arg: unknown; readonly ctx: EffectContext | undefined }
  | { readonly kind: 'run'; readonly fn: () => void };

/**
 * The watcher's outbox. Every piece of user code (event listeners, `onProgress`) runs from here, AFTER the
 * engine has finished the state change that produced it, one microtask later, each call isolated: a listener
 * that throws cannot leave a task half-settled, stop the scheduler, or keep other listeners and waiters from
 * running. What it threw is emitted as a `CallbackError` on the `error` event on a later tick; with no `error`
 * listener Node throws it, as it would for any EventEmitter. After `close()` no event is emitted, but waiters
 * still settle: their outcome was decided before.
 */
export class Notifier {
  readonly #emitter: EventEmitter;
  readonly #log: Log;
  readonly #queue: Effect[] = [];
  #head = 0;
  #scheduled = false;
  #flushing = false;
  #closed = false;
  /** Tasks whose final outcome is being delivered now: `watch()` from inside such a listener must not replay it. */
  readonly #delivering = new Set<string>();
  /** Replays of cached outcomes waiting for the next macrotask, by task key. */
  readonly #replays = new Map<string, () => void>();
  #replayTimer: ReturnType<typeof setImmediate> | undefined;

  constructor(emitter: EventEmitter, log: Log) {
    this.#emitter = emitter;
    this.#log = log;
  }

  get closed(): boolean {
    return this.#closed;
  }

  emit<N extends EventName>(name: N, payload: TaskWatcherEvents[N][0], ctx?: EffectContext): void {
    if (this.#closed || this.#emitter.listenerCount(name) === 0) return;
    this.#push({ kind: 'event', name, payload, ctx });
  }

  /** Queues a call of user code (`onProgress`). */
  call<A>(label: string, fn: (arg: A) => void, arg: A, ctx?: EffectContext): void {
    this.#push({ kind: 'call', label, fn: fn as (arg: never) => void, arg, ctx });
  }

  /** Queues an internal step that must run in order with the events around it (settling a waiter, idle). */
  run(fn: () => void): void {
    this.#push({ kind: 'run', fn });
  }

  /**
   * Replays a cached outcome on the next macrotask, not a microtask: a listener that re-watches on every
   * `completed` must not starve timers and I/O. One pending replay per task; none while that task's outcome
   * is being delivered (the listener is hearing it now).
   */
  replay(key: string, fn: () => void): void {
    if (this.#closed || this.#delivering.has(key) || this.#replays.has(key)) return;
    this.#replays.set(key, fn);
    this.#replayTimer ??= setImmediate(() => this.#runReplays());
  }

  /** Reports user code that threw outside the outbox (a policy or a limiter, called by the engine). */
  report(label: string, err: unknown, ctx?: EffectContext): void {
    const error = new CallbackError(label, err, ctx?.taskId, ctx?.family);
    this.#log.error({ err: error, taskId: ctx?.taskId }, `kie-watcher: ${label} threw`);
    // A later tick: the engine's current step finishes first, and an unhandled `error` surfaces as Node's
    // uncaught exception with the watcher intact.
    process.nextTick(() => this.#emitter.emit('error', error));
  }

  /** Stops events and replays; queued waiter settlements still run. */
  close(): void {
    this.#closed = true;
    this.#replays.clear();
    if (this.#replayTimer !== undefined) clearImmediate(this.#replayTimer);
    this.#replayTimer = undefined;
  }

  #push(effect: Effect): void {
    this.#queue.push(effect);
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Runs queued effects in order. Re-entrant calls (user code that queues more) are picked up by the running loop. */
  flush(): void {
    this.#scheduled = false;
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#head < this.#queue.length) {
        const effect = this.#queue[this.#head] as Effect;
        this.#head += 1;
        this.#run(effect);
      }
    } finally {
      this.#queue.length = 0;
      this.#head = 0;
      this.#flushing = false;
    }
  }

  #run(effect: Effect): void {
    switch (effect.kind) {
      case 'event':
        this.#emitNow(effect.name, effect.payload, effect.ctx);
        return;
      case 'call':
        try {
          (effect.fn as (arg: unknown) => void)(effect.arg);
        } catch (err) {
          this.report(effect.label, err, effect.ctx);
        }
        return;
      case 'run':
        try {
          effect.fn();
        } catch (err) {
          this.#log.error({ err }, 'kie-watcher: internal error while notifying');
        }
        return;
    }
  }

  #emitNow(name: EventName, payload: unknown, ctx: EffectContext | undefined): void {
    if (this.#closed) return;
    const final = ctx !== undefined && (name === 'completed' || name === 'failed' || name === 'timeout');
    const key = final ? taskKey(ctx.family, ctx.taskId) : '';
    if (final) this.#delivering.add(key);
    try {
      // rawListeners keeps `once` wrappers, so calling them removes them as emit() would.
      for (const listener of this.#emitter.rawListeners(name)) {
        if (this.#closed) return;
        try {
          Reflect.apply(listener, this.#emitter, [payload]);
        } catch (err) {
          this.report(`'${name}' listener`, err, ctx);
        }
      }
    } finally {
      if (final) this.#delivering.delete(key);
    }
  }

  #runReplays(): void {
    this.#replayTimer = undefined;
    const batch = [...this.#replays.values()];
    this.#replays.clear();
    for (const fn of batch) {
      if (this.#closed) return;
      fn();
    }
    this.flush();
  }
}
