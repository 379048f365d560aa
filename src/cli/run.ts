import { VERSION } from '../index.js';
import { STANDALONE_USAGE } from '../simulator/standalone.js';
import { parseCommand } from './args.js';
import { UsageError } from './command.js';
import { runCredits } from './credits.js';
import { runDashboard } from './dashboard.js';
import { runDemo } from './demo.js';
import { runDownload } from './download.js';
import { runGenerate } from './generate.js';
import { helpText, usageLine } from './help.js';
import type { CliIo } from './io.js';
import { runSimulate } from './simulate.js';
import { runWatch } from './watch.js';

export type { CliIo } from './io.js';

/** The whole CLI behind an injectable io, so tests run it in-process; main.ts wires it to the real process. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    const cmd = parseCommand(argv);
    switch (cmd.kind) {
      case 'help':
        io.stdout.write(`${helpText(cmd.topic, STANDALONE_USAGE)}\n`);
        return 0;
      case 'version':
        io.stdout.write(`kie-watch ${VERSION}\n`);
        return 0;
      case 'watch':
        return await runWatch(cmd, io);
      case 'generate':
        return await runGenerate(cmd, io);
      case 'download':
        return await runDownload(cmd, io);
      case 'credits':
        return await runCredits(cmd, io);
      case 'demo':
        return await runDemo(cmd, io);
      case 'simulate':
        return await runSimulate(cmd, io);
      case 'dashboard':
        return await runDashboard(cmd, io);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      const help = e.topic === 'top' ? 'kie-watch --help' : `kie-watch ${e.topic} --help`;
      io.stderr.write(`kie-watch: ${e.message}\n${usageLine(e.topic)}\nRun '${help}' for details.\n`);
      return 2;
    }
    // No stack: it helps nobody at a prompt and may carry request details. --verbose logs have the rest.
    io.stderr.write(`kie-watch: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}
