import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PendingTaskInfo, PendingTaskStore, SubmitKeyRecord } from './pending-store.js';

/** The family a line without one belongs to: every task before families existed was a 4o image task. */
export const DEFAULT_FAMILY = 'gpt4o-image';

/** Options of {@link FilePendingTaskStore}. */
export interface FilePendingTaskStoreOptions {
  /**
   * Changes are written and `fdatasync`ed together at most this long after the first one of a batch: one
   * sync per batch, not per call (a synced append costs ~0.4 ms here). A crash loses at most this window.
   * @default 50
   */
  readonly flushIntervalMs?: number | undefined;
  /** The log is rewritten (compacted) once it holds more than this many lines per live task... @default 4 */
  readonly compactRatio?: number | undefined;
  /** ...and more than this many lines in all. @default 1000 */
  readonly minCompactLines?: number | undefined;
  /** Called when a background flush fails (the changes stay queued and are retried). */
  readonly onError?: ((error: Error) => void) | undefined;
}

/** Counters, for tests and diagnostics. */
export interface FilePendingTaskStoreStats {
  /** Tasks listed now. */
  readonly live: number;
  /** Lines in the log file (compaction brings it back to `live`). */
  readonly lines: number;
  /** `fdatasync` calls so far: one per batch, not per change. */
  readonly syncs: number;
  /** Rewrites of the log so far. */
  readonly compactions: number;
  /** Lines found unreadable when the file was opened (a torn last line after a crash, for one). */
  readonly skippedOnOpen: number;
}

interface Line {
  readonly op: 'add' | 'del';
  readonly taskId: string;
  readonly watchedAt?: number;
  readonly family?: string;
}

/** A submit key's line: `{op: 'key', k: record}` sets it, `{op: 'unkey', key}` forgets it. */
type KeyLine = { readonly op: 'key'; readonly record: SubmitKeyRecord } | { readonly op: 'unkey'; readonly key: string };

/** Submit keys are kept this long after their create, then dropped when the log is compacted. */
const KEY_TTL_MS = 24 * 3_600_000;

function parseKeyLine(v: Record<string, unknown>): KeyLine | null {
  if (v['op'] === 'unkey' && typeof v['key'] === 'string') return { op: 'unkey', key: v['key'] };
  const r = v['k'] as Record<string, unknown> | undefined;
  if (v['op'] !== 'key' || typeof r !== 'object' || r === null || typeof r['key'] !== 'string' || typeof r['family'] !== 'string') return null;
  const state = r['state'] === 'created' || r['state'] === 'unknown' ? r['state'] : 'sending';
  const record: SubmitKeyRecord = {
    key: r['key'],
    state,
    family: r['family'],
    sentAt: typeof r['sentAt'] === 'number' ? r['sentAt'] : null,
    ...(typeof r['taskId'] === 'string' ? { taskId: r['taskId'] } : {}),
    ...(typeof r['reason'] === 'string' ? { reason: r['reason'] } : {}),
  };
  return { op: 'key', record };
}

const keyLine = (record: SubmitKeyRecord): string => `${JSON.stringify({ op: 'key', k: record })}\n`;

function parseLine(text: string): Line | KeyLine | null {
  try {
    const v = JSON.parse(text) as Partial<Line>;
    if (typeof v !== 'object' || v === null) return null;
    if (v.op === ('key' as string) || v.op === ('unkey' as string)) return parseKeyLine(v as Record<string, unknown>);
    if (typeof v.taskId !== 'string') return null;
    if (v.op === 'del') return { op: 'del', taskId: v.taskId };
    if (v.op === 'add' && typeof v.watchedAt === 'number' && Number.isFinite(v.watchedAt)) {
      return { op: 'add', taskId: v.taskId, watchedAt: v.watchedAt, family: typeof v.family === 'string' ? v.family : DEFAULT_FAMILY };
    }
    return null;
  } catch {
    return null;
  }
}

const addLine = (info: PendingTaskInfo): string =>
  `${JSON.stringify({ op: 'add', taskId: info.taskId, watchedAt: info.watchedAt, family: info.family ?? DEFAULT_FAMILY })}\n`;

/**
 * A {@link PendingTaskStore} in a JSON-lines file, for a single process without Redis: `add` and `delete`
 * change memory at once and append a line; lines are written and `fdatasync`ed in batches; the file is
 * compacted by writing the live set to a temp file, syncing it and renaming it over the log. Reading
 * ignores a torn last line, so a crash (even `kill -9` in the middle of a write) loses at most the batch
 * not yet synced and never corrupts what was. One process per file.
 */
export class FilePendingTaskStore implements PendingTaskStore {
  readonly #path: string;
  readonly #flushIntervalMs: number;
  readonly #compactRatio: number;
  readonly #minCompactLines: number;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #tasks = new Map<string, PendingTaskInfo>();
  readonly #keys = new Map<string, SubmitKeyRecord>();
  #fh: FileHandle;
  #buffer: string[] = [];
  #lines: number;
  #syncs = 0;
  #compactions = 0;
  readonly #skippedOnOpen: number;
  /** Set after a failed write, which may have left part of a line: the next flush rewrites the whole file. */
  #rewrite: boolean;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(path: string, fh: FileHandle, lines: number, skipped: number, options: FilePendingTaskStoreOptions) {
    this.#path = path;
    this.#fh = fh;
    this.#lines = lines;
    this.#skippedOnOpen = skipped;
    this.#rewrite = skipped > 0;
    this.#flushIntervalMs = options.flushIntervalMs ?? 50;
    this.#compactRatio = options.compactRatio ?? 4;
    this.#minCompactLines = options.minCompactLines ?? 1000;
    this.#onError = options.onError;
    if (!(this.#flushIntervalMs >= 0 && this.#flushIntervalMs < 2 ** 31 - 1)) throw new RangeError('flushIntervalMs must be in [0, 2^31-1)');
    if (!(this.#compactRatio >= 1)) throw new RangeError('compactRatio must be >= 1');
    if (!(this.#minCompactLines >= 0)) throw new RangeError('minCompactLines must be >= 0');
  }

  /** Opens (or creates) the log at `path` and reads the pending set back. */
  static async open(path: string, options: FilePendingTaskStoreOptions = {}): Promise<FilePendingTaskStore> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const tasks = new Map<string, PendingTaskInfo>();
    const keys = new Map<string, SubmitKeyRecord>();
    const parts = text.split('\n');
    // Whatever follows the last newline is a line whose write was cut short.
    const torn = parts.pop() ?? '';
    let skipped = torn === '' ? 0 : 1;
    let lines = 0;
    for (const part of parts) {
      const line = part === '' ? null : parseLine(part);
      if (line === null) {
        skipped++;
        continue;
      }
      lines++;
      if (line.op === 'key') keys.set(line.record.key, line.record);
      else if (line.op === 'unkey') keys.delete(line.key);
      else if (line.op === 'del') tasks.delete(line.taskId);
      else if (!tasks.has(line.taskId)) tasks.set(line.taskId, { taskId: line.taskId, watchedAt: line.watchedAt ?? 0, family: line.family ?? DEFAULT_FAMILY });
    }
    const fh = await open(path, 'a');
    const store = new FilePendingTaskStore(path, fh, lines, skipped, options);
    for (const [id, info] of tasks) store.#tasks.set(id, info);
    for (const [key, record] of keys) store.#keys.set(key, record);
    // A damaged file is rewritten clean before anything is appended to it.
    if (skipped > 0) await store.flush();
    return store;
  }

  add(info: PendingTaskInfo): void {
    this.#check();
    if (this.#tasks.has(info.taskId)) return;
    const entry: PendingTaskInfo = { taskId: info.taskId, watchedAt: info.watchedAt, family: info.family ?? DEFAULT_FAMILY };
    this.#tasks.set(info.taskId, entry);
    this.#queue(addLine(entry));
  }

  delete(taskId: string): void {
    this.#check();
    if (!this.#tasks.delete(taskId)) return;
    this.#queue(`${JSON.stringify({ op: 'del', taskId })}\n`);
  }

  list(): Iterable<PendingTaskInfo> {
    return [...this.#tasks.values()];
  }

  /** {@inheritDoc PendingTaskStore.getSubmitKey} */
  getSubmitKey(key: string): SubmitKeyRecord | undefined {
    return this.#keys.get(key);
  }

  /** {@inheritDoc PendingTaskStore.setSubmitKey} */
  setSubmitKey(record: SubmitKeyRecord): void {
    this.#check();
    this.#keys.set(record.key, record);
    this.#queue(keyLine(record));
  }

  /** {@inheritDoc PendingTaskStore.deleteSubmitKey} */
  deleteSubmitKey(key: string): void {
    this.#check();
    if (!this.#keys.delete(key)) return;
    this.#queue(`${JSON.stringify({ op: 'unkey', key })}\n`);
  }

  /** Tasks listed now. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Counters, for tests and diagnostics. */
  stats(): FilePendingTaskStoreStats {
    return { live: this.#tasks.size, lines: this.#lines, syncs: this.#syncs, compactions: this.#compactions, skippedOnOpen: this.#skippedOnOpen };
  }

  /** Writes and syncs every change made so far; rejects if the disk refused them (they stay queued). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const run = this.#flushing.then(() => this.#flushOnce());
    // The chain survives a failure; the caller still sees it.
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    await this.#fh.close();
  }

  #check(): void {
    if (this.#closed) throw new Error('the pending-task store is closed');
  }

  #queue(line: string): void {
    this.#buffer.push(line);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush().catch((err: unknown) => this.#onError?.(err instanceof Error ? err : new Error(String(err))));
      }, this.#flushIntervalMs);
      // close() flushes; a pending batch must not keep the process alive by itself.
      this.#timer.unref();
    }
  }

  async #flushOnce(): Promise<void> {
    if (this.#closed) return;
    const live = this.#tasks.size + this.#keys.size;
    const compact = this.#rewrite || (this.#lines + this.#buffer.length > this.#minCompactLines && this.#lines + this.#buffer.length > live * this.#compactRatio);
    if (compact) {
      await this.#compact();
      return;
    }
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    try {
      await this.#fh.write(batch.join(''));
      await this.#fh.datasync();
    } catch (err) {
      this.#buffer = [...batch, ...this.#buffer];
      this.#rewrite = true;
      throw err;
    }
    this.#syncs++;
    this.#lines += batch.length;
  }

  /** Writes the live set to `<path>.tmp`, syncs it, renames it over the log and syncs the directory. */
  async #compact(): Promise<void> {
    // The snapshot includes every queued change, so the queue is spent by it.
    const snapshot = [...this.#tasks.values()];
    // A key outlives its create by a day; older ones go with the compaction.
    const cutoff = Date.now() - KEY_TTL_MS;
    for (const [key, r] of this.#keys) if (r.sentAt !== null && r.sentAt < cutoff) this.#keys.delete(key);
    const keys = [...this.#keys.values()];
    const pending = this.#buffer;
    this.#buffer = [];
    const tmp = `${this.#path}.tmp`;
    try {
      const out = await open(tmp, 'w');
      try {
        // Chunks keep one huge string out of memory for large sets.
        for (let i = 0; i < snapshot.length; i += 4096) await out.write(snapshot.slice(i, i + 4096).map(addLine).join(''));
        for (let i = 0; i < keys.length; i += 4096) await out.write(keys.slice(i, i + 4096).map(keyLine).join(''));
        await out.datasync();
      } finally {
        await out.close();
      }
      await rename(tmp, this.#path);
      syncDir(dirname(this.#path));
    } catch (err) {
      this.#buffer = [...pending, ...this.#buffer];
      this.#rewrite = true;
      throw err;
    }
    const old = this.#fh;
    this.#fh = await open(this.#path, 'a');
    await old.close();
    this.#rewrite = false;
    this.#lines = snapshot.length + keys.length;
    this.#syncs++;
    this.#compactions++;
  }
}

/** A rename is durable only once the directory entry is: fsync the directory (not possible everywhere). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms and file systems refuse to open or sync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
