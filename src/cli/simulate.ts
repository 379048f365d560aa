import { main as simulatorMain, parseStandaloneArgs } from '../simulator/standalone.js';
import { UsageError, type SimulateCommand } from './command.js';
import { makeLogger } from './context.js';
import { sink, type CliIo } from './io.js';

export async function runSimulate(cmd: SimulateCommand, io: CliIo): Promise<number> {
  try {
    parseStandaloneArgs(cmd.argv);
  } catch (e) {
    // The simulator appends its own usage; ours is printed by run().
    throw new UsageError((e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'bad arguments', 'simulate');
  }
  const err = sink(io.stderr, (t) => t);
  const logger = makeLogger(cmd.verbose, err);
  try {
    await simulatorMain([...cmd.argv], {
      stdout: { write: (chunk: string) => io.stdout.write(chunk) },
      env: io.env,
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(cmd.verbose ? { logger } : {}),
    });
  } catch (e) {
    err.write(`kie-watch simulate: cannot run the simulator: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  // Stopping is the only way a simulator ends, so a signal here is success.
  return 0;
}
