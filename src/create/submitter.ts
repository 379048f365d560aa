import { AbortError, KieApiError, SubmitUnknownError, TransportError, WatcherClosedError, WatchTimeoutError, type WatchError } from '../errors.js';
import type { CreateEndpoint } from '../families/family.js';
import { backoffMs, describeError } from '../engine/retry.js';
import { classifyCreate, type CreateOutcome } from './classify.js';
import { failedBeforeSending, type CreateClient } from './client.js';
import type { KeyRecord } from './keys.js';
import { elsewhere, LOOK_AGAIN_MS, type Create, type Settle, type SubmitRequest, type SubmitResult, type SubmitterParts, type Waiter } from './submit-parts.js';

export type { SubmitResult, SubmitRequest, SubmitterParts } from './submit-parts.js';

/**
 * Creates tasks under the account's creation limit. One FIFO queue: the head waits for a slot of the limit and
 * a free connection, then is sent; only an answer that proves nothing was created (a rate limit, a refused
 * connection) puts it back at the head. Every other failure after sending is an unknown outcome, recorded
 * under its key and never sent again by itself.
 */
export class Submitter {
  readonly #p: SubmitterParts;
  readonly #queue: Create[] = [];
  /** Creates of this process by key, queued or in flight. */
  readonly #active = new Map<string, Create>();
  #inFlight = 0;
  #timer: unknown;
  #timerAt = Infinity;
  /** Monotonic ms before which nothing is sent (after a rate-limit refusal or a refused connection). */
  #pausedUntil = 0;
  #pumping = false;
  #closed = false;
  #drained: (() => void) | undefined;
  /** Timers of creates waiting for another process's answer to their key. */
  readonly #waiting = new Set<unknown>();

  constructor(parts: SubmitterParts) {
    this.#p = parts;
  }

  /** Creates queued or in flight. */
  get pending(): number {
    return this.#active.size;
  }

  submit(req: SubmitRequest): Promise<SubmitResult> {
    const { family, key } = req;
    if (this.#closed) return Promise.reject(new WatcherClosedError(undefined, family.id));
    if (req.signal?.aborted) return Promise.reject(new AbortError(undefined, req.signal.reason, family.id));
    return new Promise<SubmitResult>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, cleanup: () => undefined, recheck: () => undefined };
      const shared = this.#active.get(key);
      if (shared !== undefined) {
        this.#attach(shared, waiter, req);
        return;
      }
      const create: Create = {
        key,
        family,
        endpoint: family.create as CreateEndpoint<unknown>,
        body: req.body,
        resubmit: req.resubmit,
        waiters: new Set(),
        attempts: 0,
        sent: false,
      };
      this.#active.set(key, create);
      this.#attach(create, waiter, req);
      void this.#admit(create);
    });
  }

  /** A key's record already decides: resolve or reject without a request. */
  async #admit(create: Create): Promise<void> {
    let known: KeyRecord | undefined;
    try {
      known = await this.#p.keys.get(create.key);
    } catch (err) {
      this.#finish(create, { kind: 'error', error: new TransportError(undefined, 1, err, create.family.id) });
      return;
    }
    if (elsewhere(known)) {
      this.#lookAgain(create, known.settlesInMs);
      return;
    }
    if (known !== undefined && !(create.resubmit && known.state !== 'created')) {
      this.#finish(create, this.#fromRecord(create, known));
      return;
    }
    if (create.waiters.size === 0) return;
    this.#queue.push(create);
    this.#pump();
  }

  /**
   * Another process of the fleet has this key's create out: its answer, which every process will read from the
   * key, comes within `settlesInMs`. Callers wait for it (their signal and deadline still apply) rather than
   * send a second create; a key still out past that bound belongs to a process that stopped (unknown).
   */
  #lookAgain(create: Create, settlesInMs: number): void {
    const timer = this.#p.clock.setTimeout(() => {
      this.#waiting.delete(timer);
      if (this.#closed) return;
      if (create.waiters.size === 0) {
        this.#drop(create);
        return;
      }
      void this.#admit(create);
    }, Math.min(LOOK_AGAIN_MS, Math.max(1, settlesInMs)));
    this.#waiting.add(timer);
  }

  #fromRecord(create: Create, record: KeyRecord): Settle {
    if (record.state === 'created') return { kind: 'ok', taskId: record.taskId, family: record.family };
    const reason = record.state === 'unknown' ? record.reason : 'sent by a process that stopped before its answer came';
    return { kind: 'error', error: new SubmitUnknownError({ key: create.key, family: record.family, sentAt: record.sentAt, reason }) };
  }

  #attach(create: Create, waiter: Waiter, req: SubmitRequest): void {
    create.waiters.add(waiter);
    const { signal } = req;
    let timer: unknown;
    let expired = false;
    const leave = (error: WatchError): void => {
      // Once sent, the answer decides (within the request timeout): leaving would hide a created task.
      if (create.sent) return;
      waiter.cleanup();
      if (!create.waiters.delete(waiter)) return;
      waiter.reject(error);
      // The last caller left before the request was sent: nothing was created, the key is free again.
      if (create.waiters.size === 0 && !create.sent) this.#drop(create);
    };
    const onAbort = (): void => leave(new AbortError(undefined, signal?.reason, create.family.id));
    const onDeadline = (): void => {
      expired = true;
      leave(new WatchTimeoutError(undefined, req.timeoutMs ?? 0, { family: create.family.id, lastStatus: null, lastProgress: null, lastRetryReason: 'queued for the creation limit' }));
    };
    signal?.addEventListener('abort', onAbort);
    if (req.deadlineAt !== Infinity) timer = this.#p.clock.setTimeout(onDeadline, req.deadlineAt - this.#p.clock.now());
    waiter.recheck = () => {
      if (signal?.aborted) onAbort();
      else if (expired) onDeadline();
    };
    waiter.cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) this.#p.clock.clearTimeout(timer);
    };
  }

  #drop(create: Create): void {
    const i = this.#queue.indexOf(create);
    if (i !== -1) this.#queue.splice(i, 1);
    if (this.#active.get(create.key) === create) this.#active.delete(create.key);
  }

  #arm(inMs: number): void {
    const { clock } = this.#p;
    const at = clock.now() + Math.max(1, inMs);
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    if (this.#timer !== undefined) clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, at - clock.now());
  }

  /** Sends queued creates, oldest first, while the limit has slots and connections are free. */
  #pump(): void {
    if (this.#pumping || this.#closed) return;
    this.#pumping = true;
    void this.#run().finally(() => {
      this.#pumping = false;
    });
  }

  async #run(): Promise<void> {
    const { clock, limit } = this.#p;
    while (this.#queue.length > 0 && this.#inFlight < this.#p.maxInFlight && !this.#closed) {
      const pause = this.#pausedUntil - clock.now();
      if (pause > 0) {
        this.#arm(pause);
        return;
      }
      let slot;
      try {
        slot = await limit.take();
      } catch (err) {
        this.#p.log.warn({ err: describeError(err) }, 'kie-watcher: the creation limit could not be read; retrying');
        this.#arm(backoffMs(1, this.#p.retry, this.#p.random, 250));
        return;
      }
      if (!slot.allowed) {
        this.#arm(slot.retryInMs);
        return;
      }
      // The head may have left while the slot was taken (an abort): the slot goes to whoever is first now.
      const create = this.#queue.shift();
      if (create === undefined || this.#closed) {
        await limit.giveBack(slot.slot);
        return;
      }
      this.#inFlight += 1;
      create.sent = true;
      void this.#send(create, slot.slot);
    }
  }

  async #send(create: Create, slot: string): Promise<void> {
    const { clock, keys, client } = this.#p;
    let settle: Settle | 'requeue' | undefined;
    // Whole ms: users read it on SubmitUnknownError, and the system clock's epoch time has fractions.
    const sentAt = Math.round(clock.epochNow());
    let existing: KeyRecord | undefined;
    try {
      // The key is written before the request leaves: a crash from here on leaves it "sending", read as unknown.
      existing = await keys.claim(create.key, create.family.id, sentAt, create.resubmit);
    } catch (err) {
      existing = undefined;
      settle = { kind: 'error', error: new TransportError(undefined, 1, err, create.family.id) };
      await this.#giveBack(slot);
    }
    if (settle === undefined && elsewhere(existing)) {
      // Claimed by another process between our look and our claim: nothing was sent here.
      await this.#giveBack(slot);
      this.#inFlight -= 1;
      create.sent = false;
      for (const waiter of [...create.waiters]) waiter.recheck();
      if (create.waiters.size === 0) this.#drop(create);
      else this.#lookAgain(create, existing.settlesInMs);
      this.#pump();
      return;
    }
    settle ??= existing !== undefined ? (await this.#giveBack(slot), this.#fromRecord(create, existing)) : await this.#sendSafely(create, sentAt, slot, client);
    this.#inFlight -= 1;
    if (settle === 'requeue') {
      create.sent = false;
      this.#queue.unshift(create);
      for (const waiter of [...create.waiters]) waiter.recheck();
    } else {
      this.#finish(create, settle);
    }
    if (this.#closed && this.#inFlight === 0) this.#drained?.();
    this.#pump();
  }

  /** Stores a create's outcome; a store that fails leaves the key `sending`, which reads as unknown: safe. */
  async #record(key: string, record: KeyRecord): Promise<void> {
    try {
      await this.#p.keys.settle(key, record);
    } catch (err) {
      this.#p.log.error({ key, err: describeError(err) }, 'kie-watcher: could not store a submit key; it stays "sending" (read as unknown)');
    }
  }

  async #giveBack(slot: string): Promise<void> {
    try {
      await this.#p.limit.giveBack(slot);
    } catch {
      // The slot stays held until its bound: counting a create that never left is only conservative.
    }
  }

  async #sendSafely(create: Create, sentAt: number, slot: string, client: CreateClient): Promise<Settle | 'requeue'> {
    try {
      return await this.#request(create, sentAt, slot, client);
    } catch (err) {
      // Only the bookkeeping around the request can throw here (a store, the fleet): the request may have left.
      return this.#unknown(create, sentAt, { kind: 'unknown', reason: `bookkeeping failed: ${describeError(err)}`, httpStatus: null, providerCode: null }, err);
    }
  }

  async #request(create: Create, sentAt: number, slot: string, client: CreateClient): Promise<Settle | 'requeue'> {
    const { clock, keys, log, retry, random, limit } = this.#p;
    const family = create.family.id;
    let outcome: CreateOutcome;
    try {
      const raw = await client.post(create.endpoint.path, create.body);
      // An answer came: the request arrived before it.
      await limit.ended(slot, 0);
      outcome = classifyCreate(raw, create.endpoint, clock.epochNow(), retry.maxDelayMs);
      if (raw.echoesKey && outcome.kind === 'refused') outcome = { ...outcome, message: this.#p.redactor.redact(outcome.message) };
    } catch (err) {
      if (failedBeforeSending(err)) {
        await limit.giveBack(slot);
        await keys.release(create.key);
        create.attempts += 1;
        if (create.attempts >= retry.maxConsecutiveErrors) return { kind: 'error', error: new TransportError(undefined, create.attempts, err, family) };
        this.#pausedUntil = Math.max(this.#pausedUntil, clock.now() + backoffMs(create.attempts, retry, random, 0));
        log.debug({ key: create.key, family, reason: describeError(err) }, 'kie-watcher: create not sent (connection refused); retrying');
        return 'requeue';
      }
      // The client gave up (or the server hung up): bytes still on the wire arrive within the jitter margin.
      await limit.ended(slot, this.#p.endMarginMs);
      outcome = { kind: 'unknown', reason: describeError(err), httpStatus: null, providerCode: null };
      return this.#unknown(create, sentAt, outcome, err);
    }
    switch (outcome.kind) {
      case 'created':
        await this.#record(create.key, { state: 'created', family, taskId: outcome.taskId, sentAt });
        return { kind: 'ok', taskId: outcome.taskId, family };
      case 'rate-limited': {
        await keys.release(create.key);
        create.attempts += 1;
        if (create.attempts >= retry.maxConsecutiveErrors) {
          return { kind: 'error', error: new KieApiError({ family, providerCode: 429, providerMessage: `rate limited ${create.attempts} times in a row (${outcome.reason})`, httpStatus: 429 }) };
        }
        // The provider counts more creates than this process sent (another client on the key): everyone waits.
        const delay = outcome.retryAfterMs ?? backoffMs(create.attempts, retry, random, 0);
        this.#pausedUntil = Math.max(this.#pausedUntil, clock.now() + delay);
        log.debug({ key: create.key, family, reason: outcome.reason, delayMs: delay }, 'kie-watcher: create rate limited; retrying');
        return 'requeue';
      }
      case 'refused':
        await keys.release(create.key);
        return {
          kind: 'error',
          error: new KieApiError({ family, providerCode: outcome.providerCode, providerMessage: outcome.message, httpStatus: outcome.httpStatus, accountWide: outcome.accountWide }),
        };
      case 'unknown':
        return this.#unknown(create, sentAt, outcome, undefined);
    }
  }

  async #unknown(create: Create, sentAt: number, outcome: Extract<CreateOutcome, { kind: 'unknown' }>, cause: unknown): Promise<Settle> {
    const family = create.family.id;
    await this.#record(create.key, { state: 'unknown', family, sentAt, reason: outcome.reason });
    this.#p.log.warn({ key: create.key, family, reason: outcome.reason }, 'kie-watcher: create outcome unknown; not sent again');
    return {
      kind: 'error',
      error: new SubmitUnknownError({ key: create.key, family, sentAt, reason: outcome.reason, httpStatus: outcome.httpStatus, providerCode: outcome.providerCode }, cause),
    };
  }

  #finish(create: Create, settle: Settle): void {
    if (this.#active.get(create.key) === create) this.#active.delete(create.key);
    if (settle.kind === 'ok') {
      try {
        this.#p.created(create.family, settle.taskId);
      } catch (err) {
        this.#p.log.error({ err: describeError(err) }, 'kie-watcher: internal error while watching a created task');
      }
    }
    for (const waiter of create.waiters) {
      waiter.cleanup();
      if (settle.kind === 'ok') waiter.resolve({ taskId: settle.taskId, family: settle.family, key: create.key });
      else waiter.reject(settle.error);
    }
    create.waiters.clear();
  }

  /** Rejects queued creates with `WatcherClosedError`; resolves once none is in flight. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#p.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const timer of this.#waiting) this.#p.clock.clearTimeout(timer);
    this.#waiting.clear();
    for (const create of this.#queue.splice(0)) this.#finish(create, { kind: 'error', error: new WatcherClosedError(undefined, create.family.id) });
    // Creates waiting on another process's key are neither queued nor in flight here.
    for (const create of [...this.#active.values()]) if (!create.sent) this.#finish(create, { kind: 'error', error: new WatcherClosedError(undefined, create.family.id) });
    // Creates in flight finish (within the request timeout): aborting them would turn each into an unknown outcome.
    if (this.#inFlight > 0) await new Promise<void>((r) => (this.#drained = r));
  }
}

