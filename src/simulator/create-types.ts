/** The account's creation limit and credits, as the simulator enforces them on every create endpoint. */
export interface SimulatorCreationOptions {
  /** Creates allowed per window; more are refused (body 429, Suno 430) and still counted. Default 20. */
  readonly requests?: number;
  /** The sliding window, ms (on the simulator's clock). Default 10000. */
  readonly windowMs?: number;
  /** The account's credits; a create that finds fewer than `creditsPerTask` is refused with 402 (Suno: 429). Default 1e9. */
  readonly credits?: number;
  /** Credits one created task costs. Default 1. */
  readonly creditsPerTask?: number;
}

/**
 * Faults of the create endpoints, each a probability 0..1 per create (seeded). The first three create and bill the
 * task, then hide it from the client: a client cannot tell them from a failure.
 */
export interface SimulatorCreateFaults {
  /** Create the task, then destroy the socket without an answer. */
  readonly resetAfterCreate?: number;
  /** Create the task, then answer body code 500. */
  readonly body500AfterCreate?: number;
  /** Create the task, then answer after `slowMs` (longer than the client's request timeout). */
  readonly slowAfterCreate?: number;
  /** How long a `slowAfterCreate` answer is delayed, ms. Default 20000. */
  readonly slowMs?: number;
  /** Answer body 429 without creating anything (the client's retry is then served as usual). */
  readonly rateLimited?: number;
}

/** The create endpoints' counters, as `createStats()` and `GET /__sim/creates` give them. */
export interface SimulatorCreateStats {
  /** Create requests that arrived with the right key, every one counted (refused and faulted included). */
  readonly arrivals: number;
  /** Arrivals that found more than `requests` creates in their window (refused with 429): 0 for a correct client. */
  readonly windowViolations: number;
  /** The most creates any one window held (arrivals, refused included). */
  readonly maxInWindow: number;
  /** Tasks created, and billed. */
  readonly created: number;
  /** Creates refused by a 429 (the window or an injected one). */
  readonly rateLimited: number;
  /** Creates refused for credits. */
  readonly refusedForCredits: number;
  /** Creates refused as invalid (422). */
  readonly invalid: number;
  /** Faults injected (each of them after creating, except `rateLimited`). */
  readonly faultsInjected: number;
  /** Distinct request bodies billed. */
  readonly billedBodies: number;
  /** Request bodies billed more than once: the double bills. */
  readonly billedTwice: number;
  /** The credits left. */
  readonly credits: number;
  /** The first arrival (the simulator's clock, epoch ms), `null` before any: with the last, how long the creates took at the provider. */
  readonly firstArrivalAt: number | null;
  /** The last arrival (the simulator's clock, epoch ms), `null` before any. */
  readonly lastArrivalAt: number | null;
}
