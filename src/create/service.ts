import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import { InvalidResponseError, KieApiError } from '../errors.js';
import type { TaskFamily } from '../families/family.js';
import { accountOf } from '../fleet/account.js';
import type { Coordinator } from '../fleet/coordinator.js';
import type { Log } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import { USER_AGENT } from '../transport/client.js';
import { keyRedactor } from '../transport/redact.js';
import { CreateClient } from './client.js';
import { MemoryKeyBook, type KeyBook } from './keys.js';
import { Submitter, type SubmitResult } from './submitter.js';
import { HeldSlotsWindow, type CreationLimit } from './window.js';

export const CREDIT_PATH = '/api/v1/chat/credit';

export interface CreateServiceParts {
  readonly opts: ResolvedOptions;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Log;
  readonly dispatcher: Dispatcher | undefined;
  /** Keys kept elsewhere (a store, the fleet); in memory by default. */
  readonly keys?: KeyBook | undefined;
  /** The limit shared elsewhere; in process by default. */
  readonly limit?: CreationLimit | undefined;
  /** A fleet's coordinator: when it shares creating (`openCreate`), its keys and limit replace the two above. */
  readonly coordinator?: Coordinator | undefined;
  readonly created: (family: TaskFamily, taskId: string) => void;
}

/**
 * The longest a create can be out before it has surely arrived: the connect timeout and the headers timeout are
 * each `requestTimeoutMs`, and the margin covers bytes still on the wire when the client gives up.
 */
export function maxOutMs(opts: ResolvedOptions): number {
  return 2 * opts.requestTimeoutMs + opts.rateJitterMarginMs;
}

/** Wires the create side: client, creation limit, key book, queue; reads the credit balance. */
export class CreateService {
  readonly #client: CreateClient;
  readonly #submitter: Submitter;
  readonly #limit: CreationLimit;
  readonly #opts: ResolvedOptions;
  readonly #redact: (text: string) => string;

  constructor(parts: CreateServiceParts) {
    const { opts, clock } = parts;
    this.#opts = opts;
    const redactor = keyRedactor(opts.apiKey);
    this.#redact = (t) => redactor.redact(t);
    const connections = Math.min(64, opts.submitLimit.requests);
    this.#client = new CreateClient({
      baseUrl: opts.baseUrl,
      apiKey: opts.apiKey,
      redactor,
      dispatcher: parts.dispatcher,
      connections,
      requestTimeoutMs: opts.requestTimeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      userAgent: opts.userAgent || USER_AGENT,
    });
    // Every process of a fleet must see every key and count every create: the coordinator's, when it has them.
    const fleet = parts.coordinator?.openCreate?.({
      account: accountOf(opts.apiKey),
      requests: opts.submitLimit.requests,
      windowMs: opts.submitLimit.windowMs,
      maxOutMs: maxOutMs(opts),
      log: parts.log,
    });
    this.#limit = fleet?.limit ?? parts.limit ?? new HeldSlotsWindow(opts.submitLimit.requests, opts.submitLimit.windowMs, maxOutMs(opts), () => clock.epochNow());
    this.#submitter = new Submitter({
      clock,
      random: parts.random,
      log: parts.log,
      retry: opts.retry,
      client: this.#client,
      limit: this.#limit,
      keys: fleet?.keys ?? parts.keys ?? new MemoryKeyBook(() => clock.epochNow()),
      redactor,
      maxInFlight: Math.min(connections, this.#client.capacity),
      endMarginMs: opts.rateJitterMarginMs,
      created: parts.created,
    });
  }

  get submitter(): Submitter {
    return this.#submitter;
  }

  submit(...args: Parameters<Submitter['submit']>): Promise<SubmitResult> {
    return this.#submitter.submit(...args);
  }

  /** `GET /api/v1/chat/credit`: the account's credit balance. */
  async credits(): Promise<number> {
    const raw = await this.#client.get(CREDIT_PATH);
    let json: unknown;
    try {
      json = JSON.parse(raw.body);
    } catch {
      if (raw.statusCode !== 200) throw new KieApiError({ providerCode: raw.statusCode, providerMessage: `HTTP ${raw.statusCode}`, httpStatus: raw.statusCode });
      throw new InvalidResponseError('(credits)', 'body is not JSON', [], raw.statusCode);
    }
    const o = (json ?? {}) as Record<string, unknown>;
    const code = typeof o['code'] === 'number' ? o['code'] : raw.statusCode;
    const message = this.#redact(typeof o['msg'] === 'string' ? o['msg'] : typeof o['message'] === 'string' ? o['message'] : `HTTP ${raw.statusCode}`);
    if (raw.statusCode !== 200 || code !== 200) {
      throw new KieApiError({ providerCode: code === 200 ? raw.statusCode : code, providerMessage: message, httpStatus: raw.statusCode, accountWide: code === 401 || raw.statusCode === 401 });
    }
    const data = o['data'];
    const n = typeof data === 'number' ? data : typeof data === 'string' && data.trim() !== '' ? Number(data) : NaN;
    if (!Number.isFinite(n)) throw new InvalidResponseError('(credits)', 'data is not a number', [{ path: ['data'], message: 'expected a number' }], raw.statusCode);
    return n;
  }

  get callbackUrl(): string | null {
    return this.#opts.callbackUrl;
  }

  /** Creates queued or in flight. */
  get pending(): number {
    return this.#submitter.pending;
  }

  /** Rejects queued creates, lets those in flight finish, then closes the pool. */
  async close(): Promise<void> {
    await this.#submitter.close();
    await this.#client.close();
    await this.#limit.close?.();
  }
}
