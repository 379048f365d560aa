import type { IncomingMessage } from 'node:http';

/** What reading a request body with a cap gave: the bytes, or why there are none. */
export type CappedBody = Buffer | 'too-large' | 'aborted' | 'timeout';

/**
 * Reads a `node:http` request body, stopping at `cap` bytes or after `timeoutMs`: past either the rest is
 * neither read nor buffered (the caller closes the connection after its 413 or 408).
 */
export function readCappedNode(req: IncomingMessage, cap: number, timeoutMs: number, done: (body: CappedBody) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (result: CappedBody): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onClose);
    done(result);
  };
  const onData = (chunk: Buffer | string): void => {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > cap) {
      // Stop here: the rest is neither read nor buffered, and the connection is closed after the 413.
      req.pause();
      chunks.length = 0;
      finish('too-large');
      return;
    }
    chunks.push(buffer);
  };
  const onEnd = (): void => finish(Buffer.concat(chunks, size));
  const onClose = (): void => finish('aborted');
  const timer = setTimeout(() => {
    req.pause();
    chunks.length = 0;
    finish('timeout');
  }, timeoutMs);
  timer.unref();
  // Kept for good: a reset after we stopped listening must not become an unhandled 'error'.
  req.on('error', () => undefined);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onClose);
}

/**
 * Reads a Fetch body stream, stopping at `cap` bytes: past it the stream is cancelled, so nothing more is
 * pulled from the sender. A stream that errors (the client went away) is `'aborted'`. `null` (no body) is empty.
 */
export async function readCappedWeb(body: ReadableStream<Uint8Array> | null, cap: number): Promise<CappedBody> {
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // A body stream yields bytes; anything else is not a body we can read.
      if (!(value instanceof Uint8Array)) return 'aborted';
      size += value.byteLength;
      if (size > cap) {
        chunks.length = 0;
        reader.cancel().catch(() => undefined);
        return 'too-large';
      }
      chunks.push(value);
    }
  } catch {
    return 'aborted';
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size);
}
