import { isKieWatcherError, KieApiError } from '../index.js';
import { openApi } from './api.js';
import type { CreditsCommand } from './command.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';

/** `kie-watch credits`: the balance on stdout, a bare number (or one JSON line), so scripts can read it. */
export async function runCredits(cmd: CreditsCommand, io: CliIo): Promise<number> {
  const { watcher, out, err } = await openApi(cmd, io, 'credits');
  try {
    const credits = await watcher.credits();
    out.write(cmd.json ? `${JSON.stringify({ type: 'credits', credits })}\n` : `${credits}\n`);
    return EXIT.ok;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof KieApiError && e.accountWide) {
      err.write(`kie-watch: the API refused the key (${e.providerCode}: ${e.providerMessage})\n`);
      return EXIT.usage;
    }
    err.write(`kie-watch: cannot read the balance: ${isKieWatcherError(e) ? `${e.code}: ` : ''}${message}\n`);
    return EXIT.failed;
  } finally {
    await watcher.close();
  }
}
