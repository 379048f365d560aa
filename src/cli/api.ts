import type { Logger } from 'pino';
import { TaskWatcher } from '../index.js';
import type { ApiCommand, HelpTopic } from './command.js';
import { makeLogger } from './context.js';
import { redactor, sink, type CliIo, type Sink } from './io.js';
import { optionsUsageError } from './usage.js';
import { readApiKey } from './watch.js';

/** A watcher on the command's API, and the redacted outputs every API command writes to. */
export interface ApiSession {
  readonly watcher: TaskWatcher;
  readonly out: Sink;
  readonly err: Sink;
  readonly logger: Logger;
}

/** Reads the key (`--api-key-file` or KIE_API_KEY) and opens one watcher; a bad option is a usage error of `topic`. */
export async function openApi(cmd: Omit<ApiCommand, 'policy' | 'timeoutMs'> & Partial<Pick<ApiCommand, 'policy' | 'timeoutMs'>>, io: CliIo, topic: HelpTopic): Promise<ApiSession> {
  const key = await readApiKey(cmd, io, sink(io.stderr, (t) => t), topic);
  const redact = redactor(key);
  const out = sink(io.stdout, redact);
  const err = sink(io.stderr, redact);
  const logger = makeLogger(cmd.verbose, err);
  try {
    const watcher = new TaskWatcher({
      apiKey: key,
      baseUrl: cmd.baseUrl,
      logger,
      ...(cmd.policy === undefined ? {} : { policy: cmd.policy }),
      ...(cmd.timeoutMs === undefined ? {} : { timeoutMs: cmd.timeoutMs }),
    });
    return { watcher, out, err, logger };
  } catch (e) {
    throw optionsUsageError(e, redact, topic);
  }
}
