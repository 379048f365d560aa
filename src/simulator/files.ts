import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { mediaFor } from './media.js';
import { hashSeed, mulberry32 } from './prng.js';
import { scheduledFinalAt, type TaskState } from './record.js';
import type { SimulatorFileOptions, SimulatorFileStats } from './types.js';

export const COMMON_DOWNLOAD_URL_PATH = '/api/v1/common/download-url';
export const GPT4O_DOWNLOAD_URL_PATH = '/api/v1/gpt4o-image/download-url';
export const FILES_PREFIX = '/__files/';
const DAY_MS = 86_400_000;

const probability = z.number().min(0).max(1);
const fileOptionsSchema = z.strictObject({
  linkTtlMs: z.number().min(0).max(30 * DAY_MS).optional(),
  retentionMs: z.number().min(0).max(365 * DAY_MS).optional(),
  slowBody: probability.optional(),
  slowBodyMs: z.number().min(0).max(600_000).optional(),
  truncatedBody: probability.optional(),
  expiredLink: probability.optional(),
});

/** Validates file options (a `TypeError` names the bad one). */
export function parseFileOptions(input: unknown): SimulatorFileOptions {
  const parsed = fileOptionsSchema.safeParse(input);
  if (parsed.success) return Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  const issue = parsed.error.issues[0];
  throw new TypeError(`file option ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
}

/** What the file routes need from the simulator. */
export interface FilesHost {
  readonly seed: number;
  now(): number;
  authorized(req: IncomingMessage): boolean;
  baseUrl(): string;
  task(taskId: string): TaskState | undefined;
  tasks(): Iterable<TaskState>;
  readBody(req: IncomingMessage): Promise<string>;
  /** A timer the simulator clears on close. */
  later(fn: () => void, ms: number, res: ServerResponse): void;
}

function send(res: ServerResponse, status: number, text: string, contentType = 'application/json'): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function envelope(code: number, msg: string, data: unknown = null): string {
  return JSON.stringify({ code, msg, data });
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/**
 * The provider's download-url endpoints and the direct links they hand out (served from this same server, as
 * a CDN would), with real PNG / MP4 / MP3 bytes and the faults a download must survive.
 */
export class SimulatorFiles {
  readonly #host: FilesHost;
  readonly #rand: () => number;
  #options: SimulatorFileOptions;
  #stats = { linkRequests: 0, linksIssued: 0, fileRequests: 0, filesServed: 0, expired: 0, truncated: 0, slowed: 0 };

  constructor(host: FilesHost, options: SimulatorFileOptions = {}) {
    this.#host = host;
    this.#options = parseFileOptions(options);
    this.#rand = mulberry32(hashSeed(host.seed, 'files'));
  }

  /** Replaces the file options (a `TypeError` names a bad one). */
  configure(options: SimulatorFileOptions): void {
    this.#options = parseFileOptions(options);
  }

  stats(): SimulatorFileStats {
    return { ...this.#stats };
  }

  /** Serves the request if it is one of the file routes; returns whether it did. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path === COMMON_DOWNLOAD_URL_PATH || path === GPT4O_DOWNLOAD_URL_PATH) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' }).end(envelope(405, 'Method Not Allowed'));
        return true;
      }
      this.#link(req, res, path === GPT4O_DOWNLOAD_URL_PATH).catch(() => send(res, 400, envelope(400, 'bad request')));
      return true;
    }
    if (path.startsWith(FILES_PREFIX) && (req.method === 'GET' || req.method === 'HEAD')) {
      this.#file(req, res, path.slice(FILES_PREFIX.length));
      return true;
    }
    return false;
  }

  /** The task whose result this URL is, if the simulator generated it. */
  #owner(url: string): TaskState | undefined {
    const id = /^https:\/\/example\.invalid\/([^/]+)\//.exec(url)?.[1];
    const byPath = id === undefined ? undefined : this.#host.task(decodeURIComponent(id));
    if (byPath) return byPath;
    for (const task of this.#host.tasks()) if (task.resultUrls?.includes(url)) return task;
    return undefined;
  }

  #retentionMs(task: TaskState): number {
    return this.#options.retentionMs ?? (task.family === 'mj' ? 15 : 14) * DAY_MS;
  }

  async #link(req: IncomingMessage, res: ServerResponse, gpt4o: boolean): Promise<void> {
    this.#stats.linkRequests++;
    const text = await this.#host.readBody(req);
    if (!this.#host.authorized(req)) {
      send(res, 200, envelope(401, 'Unauthorized'));
      return;
    }
    let body: { url?: unknown; taskId?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      send(res, 200, envelope(422, 'request body is not valid JSON'));
      return;
    }
    const url = typeof body?.url === 'string' ? body.url : undefined;
    if (url === undefined) {
      send(res, 200, envelope(422, 'url is required'));
      return;
    }
    const task = this.#owner(url);
    if (gpt4o && (typeof body.taskId !== 'string' || task?.taskId !== body.taskId || task.family !== 'gpt4o-image')) {
      send(res, 200, envelope(422, 'the url is not a result of this 4o image task'));
      return;
    }
    const now = this.#host.now();
    const finalAt = task ? scheduledFinalAt(task) : null;
    if (task === undefined || task.outcome !== 'SUCCESS' || finalAt === null || now < finalAt) {
      send(res, 200, envelope(422, 'the url is not a file generated by KIE'));
      return;
    }
    if (now - task.createdAt > this.#retentionMs(task)) {
      send(res, 200, envelope(422, 'the record is older than the retention period; its files are gone'));
      return;
    }
    const expires = now + (this.#options.linkTtlMs ?? 1_200_000);
    const name = url.replace(/[?#].*$/, '').split('/').pop() || 'file';
    this.#stats.linksIssued++;
    send(res, 200, envelope(200, 'success', `${this.#host.baseUrl()}${FILES_PREFIX}${Math.round(expires)}/${b64(url)}/${encodeURIComponent(name)}`));
  }

  #file(req: IncomingMessage, res: ServerResponse, rest: string): void {
    this.#stats.fileRequests++;
    const [exp, encoded] = rest.split('/');
    const url = encoded === undefined ? '' : Buffer.from(encoded, 'base64url').toString('utf8');
    const expired = !(Number(exp) > this.#host.now());
    // Draw for each fault on every GET, so a seed gives the same faults whatever the options say.
    const [slow, cut, gone] = [this.#rand(), this.#rand(), this.#rand()];
    if (expired || url === '' || gone < (this.#options.expiredLink ?? 0)) {
      this.#stats.expired++;
      send(res, 404, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>link expired</Message></Error>', 'application/xml');
      return;
    }
    const { contentType, bytes } = mediaFor(url, this.#host.seed);
    res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length, 'cache-control': 'private, max-age=1200' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    if (cut < (this.#options.truncatedBody ?? 0)) {
      this.#stats.truncated++;
      res.write(half, () => res.socket?.destroy());
      return;
    }
    if (slow < (this.#options.slowBody ?? 0)) {
      this.#stats.slowed++;
      res.write(half);
      this.#host.later(() => this.#finish(res, bytes.subarray(half.length)), this.#options.slowBodyMs ?? 2000, res);
      return;
    }
    this.#finish(res, bytes);
  }

  #finish(res: ServerResponse, bytes: Buffer): void {
    if (res.destroyed) return;
    res.end(bytes, () => this.#stats.filesServed++);
  }
}
