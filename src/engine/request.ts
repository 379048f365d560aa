import type { Clock } from '../clock.js';
import { pollAnswerChannel, pollStartChannel } from '../diagnostics.js';
import type { AccountHalt } from '../limits/account-halt.js';
import type { Admission } from '../limits/admission.js';
import type { Log } from '../logger.js';
import { ResponseTooLargeError, type RawAnswer, type StatusClient } from '../transport/client.js';
import { classifyAnswer } from '../transport/envelope.js';
import type { Answers } from './answers.js';
import type { Answer } from './decide.js';
import type { Registry } from './registry.js';
import type { PollDriver } from './scheduler.js';
import type { Stats } from './stats.js';
import { hasFlag, setFlag, TaskFlag, type TaskEntry } from './task.js';

interface RequestDeps {
  readonly clock: Clock;
  readonly log: Log;
  readonly admission: Admission;
  readonly client: StatusClient;
  /** The cap on a server-supplied delay (`retry.maxDelayMs`). */
  readonly retryAfterCapMs: number;
  readonly stats: Stats;
  readonly answers: Answers;
  readonly registry: Registry;
  readonly scheduler: () => PollDriver;
  /** 401/402: while the halt holds, requests wait (but its probe) and answers that went out before it are dropped. */
  readonly halt: AccountHalt;
  /** `close()` has rejected every interest: answers are dropped, and the last one to end says so. */
  readonly closed: () => boolean;
  readonly drained: () => void;
}

/**
 * One request, from its admission to its end: the slot is taken and the request sent in one step, the answer
 * classified and handed to the answers door, then the request ends here and only here (`inFlight` cleared, the
 * entry released if nobody keeps it, the scheduler's slot freed).
 */
export class Requests {
  readonly #d: RequestDeps;
  /** When each request in flight was started, while the latency channel has subscribers. */
  readonly #sentAt = new Map<TaskEntry, number>();

  constructor(deps: RequestDeps) {
    this.#d = deps;
  }

  /** Takes the task's rate slot at this instant and sends at once; user code (diagnostics) runs after the dispatch. */
  start(task: TaskEntry): true | number {
    const decision = this.#d.halt.holds(task) ?? this.#d.admission.admit(task, this.#d.clock.epochNow());
    if (decision === true) this.send(task);
    return decision;
  }

  /** Sends the request of a task already admitted (the slot is counted). */
  send(task: TaskEntry): void {
    task.inFlight = true;
    // Kept only while someone measures latency: a field for it would cost every pending task 24 bytes.
    if (pollAnswerChannel.hasSubscribers) this.#sentAt.set(task, this.#d.clock.now());
    setFlag(task, TaskFlag.LAST_POLL_POKED, hasFlag(task, TaskFlag.POKED));
    setFlag(task, TaskFlag.POKED, false);
    this.#d.stats.count('requests');
    // The dispatch happens synchronously inside get(), before its first await.
    void this.#end(task, this.#d.client.get(task.family.path, task.taskId));
    if (pollStartChannel.hasSubscribers) pollStartChannel.publish({ family: task.family.id, taskId: task.taskId });
  }

  async #end(task: TaskEntry, request: Promise<RawAnswer>): Promise<void> {
    const { clock, registry } = this.#d;
    let answer: Answer;
    let echoesKey = false;
    try {
      const raw = await request;
      echoesKey = raw.echoesKey;
      answer = classifyAnswer(raw, task.family, task.taskId, this.#d.retryAfterCapMs, clock.epochNow());
    } catch (error) {
      answer = error instanceof ResponseTooLargeError ? { kind: 'invalid-answer', reason: error.message, issues: [], httpStatus: 200 } : { kind: 'transport', error };
    }
    task.inFlight = false;
    const sentAt = this.#sentAt.get(task);
    if (sentAt !== undefined) {
      this.#sentAt.delete(task);
      if (pollAnswerChannel.hasSubscribers) pollAnswerChannel.publish({ family: task.family.id, taskId: task.taskId, kind: answer.kind === 'invalid-answer' ? 'invalid' : answer.kind, latencyMs: clock.now() - sentAt });
    }
    const closed = this.#d.closed();
    if (!closed) {
      try {
        if (!this.#d.halt.drops(task, answer.kind, answer.kind === 'fatal' && answer.accountWide)) {
          this.#d.answers.apply(task, answer, echoesKey);
          registry.lastPollAnswered(task);
        }
      } catch (err) {
        this.#d.log.error({ err }, 'kie-watcher: internal error while handling an answer');
      }
    }
    // Polled for the fleet, settled, halted, or dropped while the request was out: nobody here keeps the entry.
    if (task.interests.size === 0) registry.release(task);
    const scheduler = this.#d.scheduler();
    scheduler.finished();
    if (closed && scheduler.inFlight === 0) this.#d.drained();
  }
}
