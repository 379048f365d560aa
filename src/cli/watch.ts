import { readFile, stat } from 'node:fs/promises';
import { TaskWatcher } from '../index.js';
import { UsageError, type HelpTopic, type WatchCommand } from './command.js';
import { startCallbackServer, type CallbackServer } from './callback-server.js';
import { makeLogger, makeReporter } from './context.js';
import { redactor, sink, type CliIo, type Sink } from './io.js';
import { exitCodeOf, summaryOf, watchAll } from './session.js';
import { optionsUsageError } from './usage.js';

/** Where a secret may come from: a file flag, else an environment variable. */
interface SecretSource {
  readonly file: string | undefined;
  readonly fileFlag: string;
  readonly env: string;
}

/**
 * Reads a secret without ever echoing it: every message names the source, never the content. `undefined` when
 * neither source is set; the caller decides whether that is an error.
 */
async function readSecret(from: SecretSource, io: CliIo, warn: Sink, topic: HelpTopic = 'watch'): Promise<string | undefined> {
  let value: string;
  let source: string;
  if (from.file !== undefined) {
    source = `${from.fileFlag} ${from.file}`;
    try {
      value = (await readFile(from.file, 'utf8')).trim();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new UsageError(`cannot read ${source}${typeof code === 'string' ? ` (${code})` : ''}`, topic);
    }
    if (process.platform !== 'win32') {
      const mode = (await stat(from.file)).mode;
      if ((mode & 0o077) !== 0) warn.write(`kie-watch: warning: ${from.file} is readable by other users; chmod 600 it\n`);
    }
  } else {
    source = from.env;
    const fromEnv = io.env[from.env];
    if (fromEnv === undefined) return undefined;
    value = fromEnv.trim();
  }
  if (value === '') throw new UsageError(`${source} is empty`, topic);
  if (/[\r\n]/.test(value)) throw new UsageError(`${source} must hold the key on a single line`, topic);
  return value;
}

/** Reads the API key from `--api-key-file` or `KIE_API_KEY`; either must be there. */
export async function readApiKey(cmd: Pick<WatchCommand, 'apiKeyFile'>, io: CliIo, warn: Sink, topic: HelpTopic = 'watch'): Promise<string> {
  const key = await readSecret({ file: cmd.apiKeyFile, fileFlag: '--api-key-file', env: 'KIE_API_KEY' }, io, warn, topic);
  if (key === undefined || key === '') throw new UsageError('no API key: set KIE_API_KEY in the environment or pass --api-key-file PATH', topic);
  return key;
}

export async function runWatch(cmd: WatchCommand, io: CliIo): Promise<number> {
  const plain = sink(io.stderr, (t) => t);
  const key = await readApiKey(cmd, io, plain);
  const hmacKey = cmd.callbacks === undefined ? undefined : await readSecret({ file: cmd.callbacks.hmacKeyFile, fileFlag: '--hmac-key-file', env: 'KIE_WEBHOOK_HMAC_KEY' }, io, plain);
  const redact = redactor(key, hmacKey);
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
      expectCallbacks: cmd.callbacks !== undefined,
      ...(cmd.timeoutMs === undefined ? {} : { timeoutMs: cmd.timeoutMs }),
    });
  } catch (e) {
    throw optionsUsageError(e, redact, 'watch');
  }
  let callbacks: CallbackServer | undefined;
  if (cmd.callbacks) {
    try {
      callbacks = await startCallbackServer(watcher, { ...cmd.callbacks, hmacKey, logger: cmd.verbose ? logger : undefined, topic: 'watch' });
    } catch (e) {
      await watcher.close();
      throw e;
    }
    const signing = hmacKey === undefined ? 'unsigned ones accepted (no --hmac-key-file or KIE_WEBHOOK_HMAC_KEY)' : 'signatures checked';
    err.write(`kie-watch: receiving KIE callbacks at ${callbacks.url} (any path; ${signing}); create each task with a callBackUrl that reaches it\n`);
  }
  const reporter = makeReporter({ json: cmd.json, verbose: cmd.verbose, io, out, err, requests: () => watcher.stats().requests });
  let result;
  try {
    result = await watchAll(watcher, cmd.taskIds.map((taskId) => ({ taskId, family: cmd.family })), reporter, { timeoutMs: cmd.timeoutMs, signal: io.signal, logger });
  } finally {
    await watcher.close();
    await callbacks?.close();
  }
  if (result.fatal) {
    const what = result.fatal.providerCode === 402 ? 'the account has no credits left' : 'the API refused the key';
    reporter.message(`kie-watch: ${what} (${result.fatal.providerCode}: ${result.fatal.providerMessage}); every task stopped`);
  }
  if (callbacks) reporter.message(`kie-watch: ${callbacks.pokes.total} callbacks asked for a poll, ${callbacks.pokes.watched} of them for a task still being watched`);
  const exitCode = exitCodeOf(result);
  reporter.finish(summaryOf(result, exitCode));
  return exitCode;
}
