import { readFile, stat } from 'node:fs/promises';
import { TaskWatcher } from '../index.js';
import { UsageError, type WatchCommand } from './args.js';
import { makeLogger, makeReporter } from './context.js';
import { redactor, sink, type CliIo, type Sink } from './io.js';
import { exitCodeOf, summaryOf, watchAll } from './session.js';

/** Reads the key without ever echoing it: every message names the source, never the content. */
export async function readApiKey(cmd: Pick<WatchCommand, 'apiKeyFile'>, io: CliIo, warn: Sink): Promise<string> {
  let key: string;
  let source: string;
  if (cmd.apiKeyFile !== undefined) {
    source = `--api-key-file ${cmd.apiKeyFile}`;
    try {
      key = (await readFile(cmd.apiKeyFile, 'utf8')).trim();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new UsageError(`cannot read ${source}${typeof code === 'string' ? ` (${code})` : ''}`, 'watch');
    }
    if (process.platform !== 'win32') {
      const mode = (await stat(cmd.apiKeyFile)).mode;
      if ((mode & 0o077) !== 0) warn.write(`kie-watch: warning: ${cmd.apiKeyFile} is readable by other users; chmod 600 it\n`);
    }
  } else {
    source = 'KIE_API_KEY';
    key = (io.env['KIE_API_KEY'] ?? '').trim();
    if (key === '') throw new UsageError('no API key: set KIE_API_KEY in the environment or pass --api-key-file PATH', 'watch');
  }
  if (key === '') throw new UsageError(`${source} is empty`, 'watch');
  if (/[\r\n]/.test(key)) throw new UsageError(`${source} must hold the key on a single line`, 'watch');
  return key;
}

export async function runWatch(cmd: WatchCommand, io: CliIo): Promise<number> {
  const key = await readApiKey(cmd, io, sink(io.stderr, (t) => t));
  const redact = redactor(key);
  const out = sink(io.stdout, redact);
  const err = sink(io.stderr, redact);
  const logger = makeLogger(cmd.verbose, err);
  let watcher: TaskWatcher;
  try {
    watcher = new TaskWatcher({
      apiKey: key,
      baseUrl: cmd.baseUrl,
      policy: cmd.policy,
      logger,
      ...(cmd.timeoutMs === undefined ? {} : { timeoutMs: cmd.timeoutMs }),
    });
  } catch (e) {
    // The options check describes values by type only for the key, so its message is safe to show.
    if (e instanceof TypeError) throw new UsageError(redact(e.message.replace(/^kie-watcher: /, '')), 'watch');
    throw e;
  }
  const reporter = makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => watcher.stats().requests });
  let result;
  try {
    result = await watchAll(watcher, cmd.taskIds.map((taskId) => ({ taskId, family: cmd.family })), reporter, { timeoutMs: cmd.timeoutMs, signal: io.signal, logger });
  } finally {
    await watcher.close();
  }
  if (result.fatal) {
    const what = result.fatal.providerCode === 402 ? 'the account has no credits left' : 'the API refused the key';
    reporter.message(`kie-watch: ${what} (${result.fatal.providerCode}: ${result.fatal.providerMessage}); every task stopped`);
  }
  const exitCode = exitCodeOf(result);
  reporter.finish(summaryOf(result, exitCode));
  return exitCode;
}
