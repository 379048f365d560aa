import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { DEFAULT_FAMILY } from '../../index.js';
import { startSimulator, type KieSimulator, type SimulatedTaskSpec } from '../../simulator/index.js';
import type { DemoCommand, DemoFleet } from '../command.js';
import { makeLogger } from '../context.js';
import { demoTasks } from '../demo-tasks.js';
import { EXIT, stoppedExitCode } from '../exit-codes.js';
import { DemoDashboard, guardPrivateServer } from './dashboard.js';
import { WorkerProcess } from './process.js';
import { DEMO_LEASE_MS, DEMO_REQUEST_TIMEOUT_MS, type FromWorker, type RedisTarget, type WorkerConfig } from './protocol.js';
import { checkVersion, connectAdmin, deleteRunKeys, displayUrl, ioredisGuidance, loadIoredis, redisServerGuidance, type IORedisModule } from './redis.js';
import { JsonFleetReporter, PlainFleetReporter, type FleetReporter, type RedisDescription } from './report.js';
import { FleetState } from './state.js';
import { fleetExitCode, fleetProblems, fleetSummary } from './summary.js';
import { TtyFleetReporter } from './tty.js';
import { redactor, sink, type CliIo, type Sink } from '../io.js';
import { findRedisServer, PrivateRedisServer } from './redis-server.js';
import type { WatchedTask } from '../report.js';

/** Sixteen Node processes starting on two busy cores take a while. */
const READY_TIMEOUT_MS = 30_000;
/** Past the tasks' own deadline, how long the parent still waits for a worker to report them all. */
const DEADLINE_GRACE_MS = 15_000;

/** A setup problem `--workers` cannot get past: exit code 3, with a message that says what to do. */
class NeedsRedis extends Error {}

type Outcome = { readonly kind: 'done' } | { readonly kind: 'stopped'; readonly reason: string } | { readonly kind: 'failed'; readonly why: string };

/** One run of `demo --workers`: what it started, so that everything can be stopped whatever happens. */
class FleetDemo {
  readonly #cmd: DemoCommand;
  readonly #fleet: DemoFleet;
  readonly #io: CliIo;
  readonly #lib: IORedisModule;
  readonly #entry: string;
  /** The redis-server (or valkey-server) to start, without `--redis`. */
  readonly #binary: string | undefined;
  readonly #apiKey = `demo-${randomBytes(16).toString('hex')}`;
  readonly #password: string | undefined;
  readonly #out: Sink;
  readonly #err: Sink;
  readonly #prefix: string;
  #server: PrivateRedisServer | undefined;
  #admin: Redis | undefined;
  #simulator: KieSimulator | undefined;
  readonly #workers: WorkerProcess[] = [];
  #dashboard: DemoDashboard | undefined;
  /** A second Ctrl-C exits at once (main.ts): whatever this run started must not outlive it. */
  readonly #onExit = (): void => {
    for (const w of this.#workers) w.killNow();
    this.#server?.stopNow();
  };

  constructor(cmd: DemoCommand, fleet: DemoFleet, io: CliIo, lib: IORedisModule, entry: string, binary: string | undefined) {
    this.#cmd = cmd;
    this.#fleet = fleet;
    this.#io = io;
    this.#lib = lib;
    this.#entry = entry;
    this.#binary = binary;
    const password = io.env['REDISCLI_AUTH'];
    this.#password = fleet.redisUrl === undefined || password === undefined || password === '' ? undefined : password;
    const redact = redactor(this.#apiKey, this.#password);
    this.#out = sink(io.stdout, redact);
    this.#err = sink(io.stderr, redact);
    // On a Redis of the user's, this run's keys are told apart by a prefix of their own.
    this.#prefix = fleet.redisUrl === undefined ? 'kie' : `kie-demo-${randomBytes(4).toString('hex')}`;
    process.on('exit', this.#onExit);
  }

  #say(text: string): void {
    this.#err.write(`kie-watch demo: ${text}\n`);
  }

  async run(): Promise<number> {
    let redis: { target: RedisTarget; description: RedisDescription };
    try {
      redis = await this.#startRedis();
    } catch (err) {
      if (!(err instanceof NeedsRedis)) throw err;
      this.#err.write(`${err.message}\n`);
      return EXIT.needsRedis;
    }
    const cmd = this.#cmd;
    const logger = makeLogger(cmd.verbose, this.#err);
    const simulator = await startSimulator({ host: '127.0.0.1', port: 0, apiKey: this.#apiKey, seed: cmd.seed, ...(cmd.verbose ? { logger: logger.child({ component: 'simulator' }) } : {}) });
    this.#simulator = simulator;
    const specs = demoTasks(cmd.tasks, cmd.seed, cmd.speed, cmd.families);
    const of = cmd.families === undefined ? '' : ` of ${cmd.families.length === 1 ? 'family' : 'families'} ${cmd.families.join(', ')}`;
    this.#say(`simulator at ${simulator.url}, ${specs.length} scripted tasks${of} (seed ${cmd.seed}, speed ${cmd.speed})`);
    const d = redis.description;
    this.#say(d.kind === 'private' ? `${d.server} (pid ${d.pid}) on ${d.socket}, private to this run` : `${d.server} at ${d.url}, this run's keys under ${d.prefix}: (removed at the end)`);

    if (this.#fleet.dashboard) {
      this.#dashboard = await DemoDashboard.start(this.#lib, redis.target, this.#prefix);
      this.#say(`dashboard at ${this.#dashboard.url} (read-only, this machine only; it stays up after the run until Ctrl-C)`);
    }
    const stopped = this.#io.signal?.aborted ? String(this.#io.signal.reason) : undefined;
    if (stopped !== undefined) return stoppedExitCode(stopped);
    try {
      await this.#startWorkers(redis.target, simulator.url);
    } catch (err) {
      if (this.#io.signal?.aborted) return stoppedExitCode(String(this.#io.signal.reason));
      this.#say(`a worker could not start: ${(err as Error).message}`);
      return EXIT.failed;
    }
    const exitCode = await this.#watch(specs, simulator, redis.description);
    if (this.#dashboard !== undefined) await this.#showResults(this.#dashboard);
    return exitCode;
  }

  /** With --dashboard, a finished run's page stays up, its results on it, until Ctrl-C (unless that ended the run). */
  async #showResults(dashboard: DemoDashboard): Promise<void> {
    const signal = this.#io.signal;
    if (signal === undefined || signal.aborted) return;
    this.#say(`the run is over; its dashboard stays at ${dashboard.url} until Ctrl-C`);
    const server = this.#server;
    const guard = server === undefined ? undefined : guardPrivateServer(server.pid, dirname(server.socket));
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    guard?.stop();
  }

  async #startRedis(): Promise<{ target: RedisTarget; description: RedisDescription }> {
    const url = this.#fleet.redisUrl;
    if (url !== undefined) {
      const target: RedisTarget = { url, password: this.#password };
      const version = await this.#checkServer(target, `the Redis at ${displayUrl(url)}`);
      return { target, description: { kind: 'external', server: version.startsWith('valkey') ? version : `redis ${version}`, url: displayUrl(url), prefix: this.#prefix } };
    }
    const binary = this.#binary;
    if (binary === undefined) throw new NeedsRedis(redisServerGuidance(this.#fleet.workers));
    try {
      this.#server = await PrivateRedisServer.start(binary);
    } catch (err) {
      throw new NeedsRedis(`kie-watch demo: ${(err as Error).message}`);
    }
    const target: RedisTarget = { socket: this.#server.socket };
    const version = await this.#checkServer(target, binary);
    const server = `${this.#server.name} ${version.replace(/^valkey /, '')}`;
    return { target, description: { kind: 'private', server, pid: this.#server.pid, socket: this.#server.socket } };
  }

  /** Connects the parent's own client and checks the version; a failure is a setup problem (exit 3). */
  async #checkServer(target: RedisTarget, what: string): Promise<string> {
    try {
      this.#admin = await connectAdmin(this.#lib, target);
      return await checkVersion(this.#admin);
    } catch (err) {
      throw new NeedsRedis(`kie-watch demo: cannot use ${what}: ${(err as Error).message}`);
    }
  }

  async #startWorkers(target: RedisTarget, baseUrl: string): Promise<void> {
    const cmd = this.#cmd;
    const logs = cmd.verbose ? this.#err : undefined;
    for (let i = 1; i <= this.#fleet.workers; i++) this.#workers.push(new WorkerProcess(`w${i}`, this.#entry, this.#io.env, logs));
    for (const w of this.#workers) {
      const config: WorkerConfig = {
        name: w.name,
        apiKey: this.#apiKey,
        baseUrl,
        redis: target,
        prefix: this.#prefix,
        policy: cmd.policy,
        speed: cmd.speed,
        timeoutMs: cmd.timeoutMs,
        requestTimeoutMs: DEMO_REQUEST_TIMEOUT_MS,
        leaseMs: DEMO_LEASE_MS,
        verbose: cmd.verbose,
      };
      w.start(config);
    }
    const aborted = new Promise<never>((_, reject) => {
      const signal = this.#io.signal;
      if (signal?.aborted) reject(new Error('stopped'));
      signal?.addEventListener('abort', () => reject(new Error('stopped')), { once: true });
    });
    await Promise.race([Promise.all(this.#workers.map((w) => w.ready(READY_TIMEOUT_MS))), aborted]);
  }

  #reporter(state: FleetState): FleetReporter {
    const io = this.#io;
    const cmd = this.#cmd;
    if (cmd.json) return new JsonFleetReporter(this.#out, this.#err, state);
    if (io.stdout.isTTY === true && !cmd.verbose && io.env['TERM'] !== 'dumb') {
      const simulator = this.#simulator;
      return new TtyFleetReporter(this.#out, this.#err, state, {
        screen: io.stdout,
        color: io.env['NO_COLOR'] === undefined,
        simulator: () => simulator?.stats() ?? { requests: 0, violations: 0 },
      });
    }
    return new PlainFleetReporter(this.#out, this.#err, state);
  }

  async #watch(specs: readonly SimulatedTaskSpec[], simulator: KieSimulator, redis: RedisDescription): Promise<number> {
    const victim = this.#fleet.killOne ? this.#workers.at(-1) : undefined;
    const taskIds = simulator.addTasks(specs);
    const tasks: WatchedTask[] = taskIds.map((taskId, i) => ({ taskId, family: specs[i]?.family ?? DEFAULT_FAMILY }));
    const state = new FleetState(this.#workers.map((w) => ({ name: w.name, pid: w.pid, victim: w === victim })), tasks);
    const reporter = this.#reporter(state);
    state.listen(reporter);
    this.#say(
      `${this.#workers.length} workers, each a TaskWatcher on a RedisCoordinator, wait for every one of the ${tasks.length} tasks: one of them polls each task at a time, within its rate limit, and every result reaches all of them`,
    );
    if (victim) this.#say(`--kill-one: ${victim.name} is killed with SIGKILL as it starts a poll after the first result; the claim it holds lapses after ${DEMO_LEASE_MS / 1000} s`);
    reporter.start(redis);

    const outcome = await this.#follow(state, reporter, tasks, victim);
    await Promise.all(this.#workers.map((w) => w.close()));
    const wallMs = state.elapsed();
    const { requests, violations } = simulator.stats();
    const problems = fleetProblems(state, specs, taskIds, violations);
    if (outcome.kind === 'failed') problems.unshift(outcome.why);
    const stoppedBy = outcome.kind === 'stopped' ? outcome.reason : undefined;
    const exitCode = fleetExitCode(stoppedBy, problems);
    if (stoppedBy === undefined) {
      if (victim && state.killed === undefined) reporter.message(`kie-watch demo: --kill-one: ${victim.name} started no poll after the first result (the others had the tasks covered), so it was not killed`);
      if (problems.length === 0) reporter.message(`kie-watch demo: every worker settled every task as scripted (${specs.filter((s) => s.outcome !== 'SUCCESS').length} of ${specs.length} were scripted to fail)`);
      for (const p of problems) reporter.message(`kie-watch demo: ${p}`);
    }
    reporter.finish(fleetSummary(state, { requests, violations, wallMs, exitCode }));
    return exitCode;
  }

  /**
   * Feeds the workers' messages to the state until every running worker has settled every task, the run is
   * stopped (a signal), or it cannot go on (the private Redis died, or the deadline passed).
   */
  #follow(state: FleetState, reporter: FleetReporter, tasks: readonly WatchedTask[], victim: WorkerProcess | undefined): Promise<Outcome> {
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const outcome = new Promise<Outcome>((resolve) => {
      let armed = false;
      const check = (): void => {
        if (state.allSettled()) resolve({ kind: 'done' });
        else if (victim && !armed && state.anySettled() && victim.alive) {
          armed = true;
          victim.send({ type: 'die-at-next-poll' });
        }
      };
      for (const w of this.#workers) {
        w.onMessage((m: FromWorker) => {
          if (m.type === 'polls') state.polls(w.name, m.counts);
          else if (m.type === 'settled') state.settled(w.name, m.taskId, m.ending, m.own, m.at);
          else if (m.type === 'closed') state.closed(w.name, m.stats);
          else if (m.type === 'coordinator') reporter.message(`kie-watch demo: ${w.name}: Redis is ${m.status}${m.reason === null ? '' : ` (${m.reason})`}`);
          else if (m.type === 'error') reporter.message(`kie-watch demo: ${w.name}: ${m.message}`);
          check();
        });
        void w.ended.then((how) => {
          state.exited(w.name, how, { lastWords: w.lastWords, asked: w.closeAsked });
          const tail = w.stderrTail;
          if (state.worker(w.name)?.state === 'died' && tail !== '') reporter.message(`kie-watch demo: ${w.name} wrote before it died:\n${tail}`);
          check();
        });
      }
      for (const w of this.#workers) w.send({ type: 'watch', tasks });
      const signal = this.#io.signal;
      const onAbort = (): void => resolve({ kind: 'stopped', reason: String(signal?.reason ?? 'SIGINT') });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      const server = this.#server;
      void server?.exited.then(() => resolve({ kind: 'failed', why: `${server.name} exited in the middle of the run` }));
      // Each wait has its own deadline in its worker; this one only guards against a worker that went silent.
      deadline = setTimeout(() => resolve({ kind: 'failed', why: 'some worker had not reported every task long after their deadline' }), this.#cmd.timeoutMs + DEADLINE_GRACE_MS);
    });
    return outcome.finally(() => clearTimeout(deadline));
  }

  /** Everything this run started is stopped, and everything it wrote is removed, whatever happened. */
  async cleanup(): Promise<void> {
    for (const w of this.#workers) w.killNow();
    await Promise.all(this.#workers.map((w) => w.ended));
    await this.#dashboard?.close();
    const admin = this.#admin;
    if (admin !== undefined && this.#fleet.redisUrl !== undefined) {
      try {
        const n = await deleteRunKeys(admin, this.#prefix);
        this.#say(`removed this run's ${n} keys (${this.#prefix}:*) from ${displayUrl(this.#fleet.redisUrl)}`);
      } catch (err) {
        this.#say(`could not remove this run's keys (${this.#prefix}:*): ${(err as Error).message}`);
      }
    }
    admin?.disconnect();
    await this.#server?.stop();
    await this.#simulator?.close();
    process.off('exit', this.#onExit);
  }
}

/**
 * `demo --workers N`: the simulator, a Redis (a private redis-server, or `--redis`), and N forked worker
 * processes that each wait for every task; prints who polled what and who received what.
 */
export async function runFleetDemo(cmd: DemoCommand, fleet: DemoFleet, io: CliIo): Promise<number> {
  const lib = await loadIoredis();
  if (lib === undefined) {
    io.stderr.write(`${ioredisGuidance(fleet.workers)}\n`);
    return EXIT.needsRedis;
  }
  const binary = fleet.redisUrl === undefined ? findRedisServer(io.env['PATH']) : undefined;
  if (fleet.redisUrl === undefined && binary === undefined) {
    io.stderr.write(`${redisServerGuidance(fleet.workers)}\n`);
    return EXIT.needsRedis;
  }
  if (io.entry === undefined) {
    io.stderr.write('kie-watch: demo --workers forks the kie-watch bin (dist/cli/main.js), so it runs from the bin only\n');
    return EXIT.usage;
  }
  const demo = new FleetDemo(cmd, fleet, io, lib, io.entry, binary);
  try {
    return await demo.run();
  } finally {
    await demo.cleanup();
  }
}
