export interface CliOutput extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM by main.ts; the reason ('SIGINT' | 'SIGTERM') picks the exit code. */
  readonly signal?: AbortSignal;
  /**
   * The file of the running kie-watch bin, which `demo --workers` forks to start its workers; absent when the
   * CLI runs in-process (tests), where `--workers` cannot run.
   */
  readonly entry?: string | undefined;
}

/** What the reporters write to: plain text, already redacted. */
export interface Sink {
  write(text: string): void;
}

/**
 * The keys (API, webhook HMAC) are never put into output on purpose; this is the net under that rule, for text
 * we do not control (a provider message that echoes a header, a future log field).
 */
export function redactor(...secrets: (string | undefined)[]): (text: string) => string {
  const known = secrets.filter((s): s is string => s !== undefined && s.length >= 4);
  return (text) => known.reduce((t, secret) => (t.includes(secret) ? t.split(secret).join('[redacted]') : t), text);
}

/**
 * Writes, redacted. A stream the reader has closed (`| head`) is destroyed; writing to it again would only
 * raise more errors, so the rest of the run's output is dropped.
 */
export function sink(stream: NodeJS.WritableStream, redact: (text: string) => string): Sink {
  return {
    write: (text) => {
      if ((stream as { destroyed?: boolean }).destroyed === true) return;
      stream.write(redact(text));
    },
  };
}
