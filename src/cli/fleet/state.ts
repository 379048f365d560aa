import type { KnownFamilyId } from '../../index.js';
import type { WorkerStats } from './protocol.js';
import type { WatchedTask } from '../report.js';
import type { TaskEnding } from '../session.js';

/**
 * `running` until it ends: `closed` by the parent, `killed` by `--kill-one`, or `died` of anything else
 * (a crash, a signal from outside), which fails the run.
 */
export type WorkerState = 'running' | 'closed' | 'killed' | 'died';

/** What the parent knows of one worker process. */
export interface WorkerView {
  readonly name: string;
  readonly pid: number;
  state: WorkerState;
  /** Requests it sent (polls started), by its own count. */
  polls: number;
  /** Tasks whose outcome it received (not interrupted, not timed out). */
  results: number;
  /** Results its own poll found; the others reached it through Redis. */
  foundHere: number;
  /** How each of its waits ended, by taskId. */
  readonly endings: Map<string, TaskEnding>;
  /** When (epoch ms, its clock) each wait ended, by taskId. */
  readonly endedAt: Map<string, number>;
  /** Elapsed ms of the run when it exited; `null` while it runs. */
  exitedAt: number | null;
  /** The exit code or signal of a worker that ended by itself. */
  exit: string | null;
  /** Its watcher's counters, from its clean close. */
  stats: WorkerStats | null;
  /** The worker `--kill-one` is to kill. */
  victim: boolean;
}

/** A task and what the fleet did for it. */
export interface TaskView {
  readonly taskId: string;
  readonly family: KnownFamilyId;
  /** Polls by worker name. */
  readonly pollsBy: Map<string, number>;
  /** Elapsed ms when every live worker had its outcome; `null` until then. */
  everywhereAt: number | null;
}

/** A task's outcome reached every worker still running. */
export interface TaskLine {
  readonly taskId: string;
  readonly family: KnownFamilyId;
  readonly ending: TaskEnding;
  /** Workers that polled it, with their poll counts, by name order. */
  readonly pollsBy: readonly (readonly [string, number])[];
  readonly workers: number;
  /** From the first worker's receipt of the outcome to the last one's, by their clocks. */
  readonly spreadMs: number;
  readonly elapsedMs: number;
}

/** `--kill-one` happened. */
export interface KilledLine {
  readonly worker: string;
  readonly pid: number;
  /** The task it was starting to poll: its claim is stranded until the lease runs out. */
  readonly taskId: string | null;
  readonly elapsedMs: number;
}

/** Another worker polled the task whose claim the killed worker held. */
export interface TakeoverLine {
  readonly taskId: string;
  readonly from: string;
  readonly by: string;
  /** From the killed worker's exit to the other worker's poll. */
  readonly afterMs: number;
  readonly elapsedMs: number;
}

/** What the reporters are told as it happens; they read the rest from {@link FleetState}. */
export interface FleetListener {
  task(line: TaskLine): void;
  killed(line: KilledLine): void;
  takeover(line: TakeoverLine): void;
  message(text: string): void;
}

/**
 * The parent's picture of the fleet, fed by the workers' messages: per worker what it polled and received, per
 * task who polled it and whether its outcome reached everyone.
 */
export class FleetState {
  readonly workers: readonly WorkerView[];
  readonly tasks: readonly TaskView[];
  readonly #byName: ReadonlyMap<string, WorkerView>;
  readonly #byTask: ReadonlyMap<string, TaskView>;
  readonly #now: () => number;
  readonly #startedAt: number;
  #listener: FleetListener | undefined;
  /** The killed worker's stranded task, until another worker polls it. */
  #stranded: { readonly taskId: string; readonly from: string; readonly at: number } | undefined;
  takeover: TakeoverLine | undefined;
  killed: KilledLine | undefined;

  constructor(workers: readonly { name: string; pid: number; victim: boolean }[], tasks: readonly WatchedTask[], now: () => number = Date.now) {
    this.workers = workers.map((w) => ({
      name: w.name,
      pid: w.pid,
      state: 'running' as WorkerState,
      polls: 0,
      results: 0,
      foundHere: 0,
      endings: new Map(),
      endedAt: new Map(),
      exitedAt: null,
      exit: null,
      stats: null,
      victim: w.victim,
    }));
    this.tasks = tasks.map((t) => ({ taskId: t.taskId, family: t.family, pollsBy: new Map<string, number>(), everywhereAt: null }));
    this.#byName = new Map(this.workers.map((w) => [w.name, w]));
    this.#byTask = new Map(this.tasks.map((t) => [t.taskId, t]));
    this.#now = now;
    this.#startedAt = now();
  }

  listen(listener: FleetListener): void {
    this.#listener = listener;
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  /** ms since the tasks were handed out, whole (the outputs show no finer). */
  elapsed(): number {
    return Math.round(this.#now() - this.#startedAt);
  }

  worker(name: string): WorkerView | undefined {
    return this.#byName.get(name);
  }

  /** Workers still running. */
  get live(): WorkerView[] {
    return this.workers.filter((w) => w.state === 'running');
  }

  polls(name: string, counts: Readonly<Record<string, number>>): void {
    const w = this.#byName.get(name);
    if (!w) return;
    for (const [taskId, n] of Object.entries(counts)) {
      w.polls += n;
      const task = this.#byTask.get(taskId);
      task?.pollsBy.set(name, (task.pollsBy.get(name) ?? 0) + n);
      const stranded = this.#stranded;
      if (stranded !== undefined && stranded.taskId === taskId && name !== stranded.from) {
        this.#stranded = undefined;
        this.takeover = { taskId, from: stranded.from, by: name, afterMs: Math.round(this.#now() - stranded.at), elapsedMs: this.elapsed() };
        this.#listener?.takeover(this.takeover);
      }
    }
  }

  settled(name: string, taskId: string, ending: TaskEnding, own: boolean, at: number): void {
    const w = this.#byName.get(name);
    if (!w || w.endings.has(taskId)) return;
    w.endings.set(taskId, ending);
    w.endedAt.set(taskId, at);
    if (ending !== 'INTERRUPTED' && ending !== 'KIE_WATCH_TIMEOUT') w.results += 1;
    if (own) w.foundHere += 1;
    const task = this.#byTask.get(taskId);
    if (task) this.#checkEverywhere(task);
  }

  /**
   * A worker process ended: `exit` is its exit code or signal, `lastWords` the task it was starting to poll
   * when `--kill-one` killed it, `asked` whether the parent had told it to close.
   */
  exited(name: string, exit: string, how: { readonly lastWords: string | null; readonly asked: boolean }): void {
    const { lastWords } = how;
    const w = this.#byName.get(name);
    if (!w || w.state !== 'running') return;
    w.exitedAt = this.elapsed();
    w.exit = exit;
    if (w.victim && exit === 'SIGKILL' && lastWords !== null) {
      w.state = 'killed';
      this.killed = { worker: name, pid: w.pid, taskId: lastWords, elapsedMs: w.exitedAt };
      this.#stranded = { taskId: lastWords, from: name, at: this.#now() };
      this.#listener?.killed(this.killed);
    } else {
      w.state = how.asked && exit === '0' ? 'closed' : 'died';
    }
    // One fewer worker to wait for: its missing receipts no longer hold a task back.
    for (const task of this.tasks) this.#checkEverywhere(task);
  }

  closed(name: string, stats: WorkerStats): void {
    const w = this.#byName.get(name);
    if (w) w.stats = stats;
  }

  /** Every running worker has an ending for every task. */
  allSettled(): boolean {
    return this.live.every((w) => w.endings.size === this.tasks.length);
  }

  /** Some task has an ending in some worker (the moment `--kill-one` waits for). */
  anySettled(): boolean {
    return this.workers.some((w) => w.endings.size > 0);
  }

  #checkEverywhere(task: TaskView): void {
    if (task.everywhereAt !== null) return;
    const live = this.live;
    if (live.length === 0 || !live.every((w) => w.endings.has(task.taskId))) return;
    task.everywhereAt = this.elapsed();
    const times = live.map((w) => w.endedAt.get(task.taskId) ?? 0);
    const ending = live[0]?.endings.get(task.taskId) ?? 'INTERNAL';
    // An interrupted task did not reach anyone: the summary counts it, a line would say it arrived.
    if (ending === 'INTERRUPTED') return;
    this.#listener?.task({
      taskId: task.taskId,
      family: task.family,
      ending,
      pollsBy: [...task.pollsBy].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })),
      workers: live.length,
      spreadMs: Math.max(...times) - Math.min(...times),
      elapsedMs: task.everywhereAt,
    });
  }
}
