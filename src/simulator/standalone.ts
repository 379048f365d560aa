import { startSimulator } from './server.js';
import { parseFaults } from './schemas.js';
import type { KieSimulatorOptions, SimulatorFaults, SimulatorLogger } from './types.js';
import { scriptedTasks } from './workload.js';

export const STANDALONE_USAGE = `usage: kie-watch simulate [--port N] [--host H] [--api-key-env NAME] [--seed N] [--tasks N]
                          [--per-task-limit N] [--faults JSON]
  --port N            port to listen on (default 0: a free port)
  --host H            interface (default 127.0.0.1)
  --api-key-env NAME  env var holding the accepted API key (default KIE_SIM_API_KEY; else 'sim-key')
  --seed N            PRNG seed (default 1)
  --tasks N           pre-load N scripted tasks (default 0)
  --per-task-limit N  record-info requests allowed per task per second (default 3)
  --faults JSON       fault probabilities, e.g. '{"http5xx":0.05,"slow":0.1,"slowMs":500}'
Prints one JSON line {"url":...,"taskIds":[...]} when listening; stops on SIGTERM/SIGINT.`;

export interface StandaloneArgs {
  port: number;
  host: string;
  apiKeyEnv: string;
  seed: number;
  tasks: number;
  perTaskLimit: number | undefined;
  faults: SimulatorFaults | undefined;
}

export interface StandaloneIo {
  /** Default process.stdout. */
  readonly stdout?: { write(chunk: string): unknown };
  /** Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Stops the simulator when aborted; without it SIGTERM/SIGINT do. */
  readonly signal?: AbortSignal;
  readonly logger?: SimulatorLogger;
}

function intArg(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`${flag} needs an integer ${min}..${max}, got '${value}'\n${STANDALONE_USAGE}`);
  }
  return n;
}

export function parseStandaloneArgs(argv: readonly string[]): StandaloneArgs {
  const args: StandaloneArgs = {
    port: 0,
    host: '127.0.0.1',
    apiKeyEnv: 'KIE_SIM_API_KEY',
    seed: 1,
    tasks: 0,
    perTaskLimit: undefined,
    faults: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    const eq = token.indexOf('=');
    const flag = token.startsWith('--') && eq !== -1 ? token.slice(0, eq) : token;
    let value: string | undefined;
    if (token.startsWith('--') && eq !== -1) {
      value = token.slice(eq + 1);
    } else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new Error(`${flag} needs a value\n${STANDALONE_USAGE}`);
    switch (flag) {
      case '--port':
        args.port = intArg(flag, value, 0, 65535);
        break;
      case '--host':
        args.host = value;
        break;
      case '--api-key-env':
        args.apiKeyEnv = value;
        break;
      case '--seed':
        args.seed = intArg(flag, value, 0, 0xffffffff);
        break;
      case '--tasks':
        args.tasks = intArg(flag, value, 0, 10_000_000);
        break;
      case '--per-task-limit':
        args.perTaskLimit = intArg(flag, value, 1, 1_000_000);
        break;
      case '--faults': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value) as unknown;
        } catch {
          throw new Error(`--faults needs a JSON object, got '${value}'`);
        }
        try {
          args.faults = parseFaults(parsed);
        } catch (e) {
          throw new TypeError(`--faults: ${e instanceof Error ? e.message : String(e)}`);
        }
        break;
      }
      default:
        throw new Error(`unknown argument '${token}'\n${STANDALONE_USAGE}`);
    }
  }
  return args;
}

/**
 * Runs a simulator until SIGTERM/SIGINT (or `io.signal`), for benchmarks and
 * `kie-watch simulate` that need it in a separate process. `argv` holds only
 * the flags, e.g. `['--port', '8080', '--tasks', '100']`.
 */
export async function main(argv: string[], io: StandaloneIo = {}): Promise<void> {
  const args = parseStandaloneArgs(argv);
  const env = io.env ?? process.env;
  const apiKey = env[args.apiKeyEnv] || 'sim-key';
  const options: KieSimulatorOptions & { port: number; host: string } = {
    port: args.port,
    host: args.host,
    apiKey,
    seed: args.seed,
    ...(args.perTaskLimit !== undefined ? { perTaskLimit: args.perTaskLimit } : {}),
    ...(args.faults !== undefined ? { faults: args.faults } : {}),
    ...(io.logger !== undefined ? { logger: io.logger } : {}),
  };
  const simulator = await startSimulator(options);
  const taskIds = args.tasks > 0 ? simulator.addTasks(scriptedTasks(args.tasks, { seed: args.seed })) : [];

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (io.signal) {
      if (io.signal.aborted) {
        resolve();
      } else {
        io.signal.addEventListener('abort', stop, { once: true });
      }
    } else {
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    }
    // Written only once the stop handlers are in place, so a parent reacting to this line can signal at once.
    (io.stdout ?? process.stdout).write(`${JSON.stringify({ url: simulator.url, taskIds })}\n`);
  });
  await simulator.close();
}
