import { openApi } from './api.js';
import type { DownloadCommand } from './command.js';
import { makeReporter } from './context.js';
import { writeFiles } from './generate.js';
import type { CliIo } from './io.js';
import type { DownloadedFile } from '../index.js';
import { exitCodeOf, summaryOf, watchAll } from './session.js';

/** `kie-watch download <taskId...>`: waits for each task as `watch` does, then saves its files into `--out`. */
export async function runDownload(cmd: DownloadCommand, io: CliIo): Promise<number> {
  const { watcher, out, err, logger } = await openApi(cmd, io, 'download');
  const reporter = makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => watcher.stats().requests });
  const saved: [string, readonly DownloadedFile[]][] = [];
  let result;
  try {
    result = await watchAll(watcher, cmd.taskIds.map((taskId) => ({ taskId, family: cmd.family })), reporter, {
      timeoutMs: cmd.timeoutMs,
      signal: io.signal,
      logger,
      download: { dir: cmd.out },
      saved: (taskId, files) => saved.push([taskId, files]),
    });
  } finally {
    await watcher.close();
  }
  if (result.fatal) reporter.message(`kie-watch: the API refused the key (${result.fatal.providerCode}: ${result.fatal.providerMessage}); every task stopped`);
  const exitCode = exitCodeOf(result);
  reporter.finish(summaryOf(result, exitCode));
  for (const [taskId, files] of saved) writeFiles(out, cmd.json, taskId, files);
  return exitCode;
}
