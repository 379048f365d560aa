import { pino, type Logger } from 'pino';
import type { CliIo, Sink } from './io.js';
import { JsonLinesReporter } from './json-lines.js';
import { PlainReporter } from './plain.js';
import type { Reporter } from './report.js';
import { TtyReporter } from './tty.js';

/** Debug logs go to stderr so that stdout stays pure JSON lines or the live view; silent unless --verbose. */
export function makeLogger(verbose: boolean, err: Sink): Logger {
  if (!verbose) return pino({ level: 'silent' });
  return pino(
    {
      level: 'debug',
      name: 'kie-watch',
      // Belt and braces: the library never logs the key, but a header object must never slip through either.
      redact: { paths: ['apiKey', 'authorization', 'headers.authorization', '*.apiKey', '*.authorization'], censor: '[redacted]' },
    },
    { write: (line: string) => err.write(line) },
  );
}

export function makeReporter(options: { json: boolean; verbose: boolean; io: CliIo; out: Sink; err: Sink; requests: () => number }): Reporter {
  const { io, out, err } = options;
  if (options.json) return new JsonLinesReporter(out, err);
  // Debug logs on the same terminal would tear the live view, so --verbose falls back to plain lines.
  if (io.stdout.isTTY === true && !options.verbose && io.env['TERM'] !== 'dumb') {
    return new TtyReporter(out, err, { screen: io.stdout, color: io.env['NO_COLOR'] === undefined, requests: options.requests });
  }
  return new PlainReporter(out, err);
}
