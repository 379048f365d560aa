import { UsageError, type HelpTopic } from './command.js';

/**
 * The library's options check throws `TypeError` (a bad value) or `RangeError` (`--policy` below the rate
 * limit's spacing); at the command line both are usage errors, shown once with the CLI's own prefix. Its
 * messages describe the key by type only, so they are safe to show; the redactor is the net under that.
 */
export function optionsUsageError(e: unknown, redact: (text: string) => string, topic: HelpTopic): unknown {
  if (e instanceof TypeError || e instanceof RangeError) return new UsageError(redact(e.message.replace(/^kie-watcher: /, '')), topic);
  return e;
}
