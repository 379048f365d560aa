import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, DownloadError, downloadResult, isKieWatcherError, TaskWatcher, WatcherClosedError, type WatchResult } from '../../src/index.js';
import { startSimulator, type KieSimulator, type KieSimulatorOptions, type SimulatedFamily, type SimulatedTaskSpec } from '../../src/simulator/index.js';
import { targetPath } from '../../src/download/names.js';

const KEY = 'dl-canary-key-7f3a';
const DAY = 86_400_000;
const open: { close(): Promise<unknown> }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function sim(options: KieSimulatorOptions = {}): Promise<KieSimulator> {
  const s = await startSimulator({ apiKey: KEY, seed: 5, ...options });
  open.push(s);
  return s;
}

function watcher(url: string, extra: Partial<ConstructorParameters<typeof TaskWatcher>[0]> = {}): TaskWatcher {
  const w = new TaskWatcher({ apiKey: KEY, baseUrl: url, policy: 'fastest', ...extra });
  open.push(w);
  return w;
}

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'kie-dl-'));
  dirs.push(d);
  return d;
}

/** A finished task of each kind, ready to download at once. */
function done(family: SimulatedFamily, extra: Partial<SimulatedTaskSpec> = {}): SimulatedTaskSpec {
  return { durationMs: 0, outcome: 'SUCCESS', progressSteps: 0, family, ...extra };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

const FAST = { retryDelayMs: 10 };

describe('watcher.download against the simulator', () => {
  it('saves real PNG, MP4 and MP3 files as <taskId>-<n>.<ext>, each asked for on its family\'s download-url endpoint', async () => {
    const s = await sim();
    const [img, video, song] = s.addTasks([done('gpt4o-image', { resultUrls: ['https://example.invalid/a/0.png', 'https://example.invalid/a/1.png'], taskId: 'img-1' }), done('veo'), done('suno')]);
    const w = watcher(s.url);
    const dir = await tempDir();
    const image = await w.waitForCompletion(img as string);
    const files = await w.download(image, { dir, ...FAST });
    expect(files.map((f) => f.path)).toEqual([join(dir, 'img-1-0.png'), join(dir, 'img-1-1.png')]);
    for (const f of files) {
      const bytes = await readFile(f.path);
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(f).toMatchObject({ bytes: bytes.length, contentType: 'image/png' });
    }
    const clip = await w.waitForCompletion(video as string, { family: 'veo', download: { dir } });
    expect(clip.files).toHaveLength(1);
    expect(clip.files[0]?.path).toBe(join(dir, `${video}-0.mp4`));
    expect((await readFile(clip.files[0]?.path as string)).subarray(4, 8).toString('latin1')).toBe('ftyp');
    const music = await w.waitForCompletion(song as string, { family: 'suno', download: { dir } });
    expect(music.files.map((f) => f.contentType)).toEqual(['audio/mpeg', 'audio/mpeg']);
    expect((await readFile(music.files[0]?.path as string)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfb]));
    // One link per file, and nothing but whole files in the folder.
    expect(s.fileStats()).toMatchObject({ linksIssued: 5, filesServed: 5, truncated: 0 });
    expect((await readdir(dir)).sort()).toEqual([`${song}-0.mp3`, `${song}-1.mp3`, `${video}-0.mp4`, 'img-1-0.png', 'img-1-1.png'].sort());
  });

  it('stamps every result with expiresAt: createTime plus 14 days (15 for Midjourney)', async () => {
    const s = await sim();
    const [a, b] = s.addTasks([done('gpt4o-image'), done('mj')]);
    const w = watcher(s.url);
    const r1 = await w.waitForCompletion(a as string);
    const r2 = await w.waitForCompletion(b as string, { family: 'mj' });
    expect(r1.createTime).not.toBeNull();
    expect(r1.expiresAt).toBe((r1.createTime as number) + 14 * DAY);
    expect(r2.expiresAt).toBe((r2.createTime as number) + 15 * DAY);
  });

  it('finishes a body that pauses for less than the request timeout', async () => {
    const s = await sim({ files: { slowBody: 1, slowBodyMs: 300 } });
    const [id] = s.addTasks([done('gpt4o-image')]);
    const w = watcher(s.url, { requestTimeoutMs: 2_000 });
    const r = await w.waitForCompletion(id as string, { download: { dir: await tempDir(), ...FAST } });
    expect(r.files).toHaveLength(1);
    expect(s.fileStats()).toMatchObject({ slowed: 1, fileRequests: 1 });
  });

  it('gives a body that stalls past the request timeout up after its attempts, leaving no file, not even a temporary one', async () => {
    const s = await sim({ files: { slowBody: 1, slowBodyMs: 1_500 } });
    const [id] = s.addTasks([done('gpt4o-image')]);
    const w = watcher(s.url, { requestTimeoutMs: 200 });
    const dir = await tempDir();
    const r = await w.waitForCompletion(id as string);
    const err = await rejection(w.download(r, { dir, attempts: 2, ...FAST }));
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).toMatchObject({ code: 'KIE_DOWNLOAD_FAILED', reason: 'incomplete', attempts: 2, taskId: id, saved: [] });
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries truncated bodies on the same link and saves the whole file', async () => {
    const s = await sim({ files: { truncatedBody: 0.5 } });
    const ids = s.addTasks(Array.from({ length: 4 }, () => done('gpt4o-image')));
    const w = watcher(s.url);
    const dir = await tempDir();
    for (const id of ids) {
      const r = await w.waitForCompletion(id, { download: { dir, attempts: 8, ...FAST } });
      const file = r.files[0];
      expect((await stat(file?.path as string)).size).toBe(file?.bytes);
    }
    const st = s.fileStats();
    expect(st.truncated).toBeGreaterThan(0);
    expect(st.linksIssued).toBe(4);
    expect(st.filesServed).toBe(4);
    expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('fails with reason incomplete when every body is cut short, and leaves nothing under the final name', async () => {
    const s = await sim({ files: { truncatedBody: 1 } });
    const [id] = s.addTasks([done('veo')]);
    const w = watcher(s.url);
    const dir = await tempDir();
    const r = await w.waitForCompletion(id as string, { family: 'veo' });
    const err = (await rejection(w.download(r, { dir, attempts: 3, ...FAST }))) as DownloadError;
    expect(err).toMatchObject({ reason: 'incomplete', attempts: 3 });
    expect(s.fileStats().truncated).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  it('asks for a fresh link when the file host answers 404 for an expired one', async () => {
    const s = await sim({ files: { expiredLink: 0.5 } });
    const ids = s.addTasks(Array.from({ length: 4 }, () => done('flux-kontext')));
    const w = watcher(s.url);
    const dir = await tempDir();
    for (const id of ids) await w.waitForCompletion(id, { family: 'flux-kontext', download: { dir, attempts: 10, ...FAST } });
    const st = s.fileStats();
    expect(st.expired).toBeGreaterThan(0);
    expect(st.linksIssued).toBe(4 + st.expired);
    expect(await readdir(dir)).toHaveLength(4);
  });

  it('fails with reason expired when even fresh links have expired (20-minute links, here 0 ms)', async () => {
    const s = await sim({ files: { linkTtlMs: 0 } });
    const [id] = s.addTasks([done('gpt4o-image')]);
    const w = watcher(s.url);
    const r = await w.waitForCompletion(id as string);
    const err = (await rejection(w.download(r, { dir: await tempDir(), attempts: 3, retryDelayMs: 5 }))) as DownloadError;
    expect(err).toMatchObject({ reason: 'expired', httpStatus: 404, attempts: 3 });
    expect(s.fileStats().linksIssued).toBe(3);
  });

  it('reports a result past its retention as refused by the provider (422), without retrying', async () => {
    let offset = 0;
    const s = await sim({ now: () => Date.now() + offset });
    const [id] = s.addTasks([done('gpt4o-image')]);
    const w = watcher(s.url);
    const r = await w.waitForCompletion(id as string);
    offset = 15 * DAY;
    const err = (await rejection(w.download(r, { dir: await tempDir(), ...FAST }))) as DownloadError;
    expect(err).toMatchObject({ reason: 'link-refused', providerCode: 422, attempts: 1 });
    expect(s.fileStats().linkRequests).toBe(1);
  });

  it('refuses a file over maxBytes by its content-length, before writing anything', async () => {
    const s = await sim();
    const [id] = s.addTasks([done('veo')]);
    const w = watcher(s.url);
    const dir = await tempDir();
    const r = await w.waitForCompletion(id as string, { family: 'veo' });
    const err = (await rejection(w.download(r, { dir, maxBytes: 1_000, ...FAST }))) as DownloadError;
    expect(err).toMatchObject({ reason: 'too-large', attempts: 1 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects with AbortError when the signal aborts mid-transfer, and with WatcherClosedError when close() stops it', async () => {
    const s = await sim({ files: { slowBody: 1, slowBodyMs: 5_000 } });
    const [a, b] = s.addTasks([done('gpt4o-image'), done('gpt4o-image')]);
    const w = watcher(s.url);
    const dir = await tempDir();
    const ra = await w.waitForCompletion(a as string);
    const rb = await w.waitForCompletion(b as string);
    const controller = new AbortController();
    const aborted = w.download(ra, { dir, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user stop')), 200);
    expect(await rejection(aborted)).toBeInstanceOf(AbortError);
    const closed = w.download(rb, { dir });
    await new Promise((r) => setTimeout(r, 200));
    await w.close();
    expect(await rejection(closed)).toBeInstanceOf(WatcherClosedError);
    expect(await readdir(dir)).toEqual([]);
    expect(await rejection(w.download(rb, { dir }))).toBeInstanceOf(WatcherClosedError);
  });
});

/** A stand-in for the API and a file host in one loopback server, recording when each request arrives. */
async function fakeApi(answer: (req: IncomingMessage, res: ServerResponse, self: string) => void): Promise<{ url: string; arrivals: { path: string; at: number }[]; server: Server }> {
  const arrivals: { path: string; at: number }[] = [];
  let self = '';
  const server = createServer((req, res) => {
    arrivals.push({ path: req.url ?? '', at: performance.now() });
    req.resume();
    req.on('end', () => answer(req, res, self));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())).then(() => server.closeAllConnections()) });
  return { url: self, arrivals, server };
}

describe('downloads: links, paths and the account budget', () => {
  const result = (urls: string[], taskId = 't-1'): WatchResult => ({ taskId, family: 'gpt4o-image', resultUrls: urls }) as unknown as WatchResult;

  it('refuses a non-https direct link to a host other than loopback, and never contacts it', async () => {
    const api = await fakeApi((_req, res) => res.end(JSON.stringify({ code: 200, msg: 'success', data: 'http://files.example.com/x.png' })));
    const err = (await rejection(downloadResult(result(['https://cdn.example/x.png']), { apiKey: KEY, baseUrl: api.url, dir: await tempDir(), ...FAST }))) as DownloadError;
    expect(err).toMatchObject({ reason: 'insecure-link', attempts: 1 });
    expect(api.arrivals.map((a) => a.path)).toEqual(['/api/v1/gpt4o-image/download-url']);
  });

  it('refuses a taskId that would write outside dir', async () => {
    const dir = await tempDir();
    for (const taskId of ['../escape', 'a/b', '..', '/etc/passwd']) {
      const err = await rejection(downloadResult(result(['https://cdn.example/x.png'], taskId), { apiKey: KEY, baseUrl: 'http://127.0.0.1:9', dir }));
      expect(err).toBeInstanceOf(TypeError);
    }
    expect(targetPath(dir, '..', 0, 'png')).toBeNull();
    expect(targetPath(dir, 'x/../../y', 0, 'png')).toBeNull();
    expect(targetPath(dir, 'ok', 0, 'png')).toBe(join(dir, 'ok-0.png'));
  });

  it('asks for links within the watcher\'s account budget, seen at the server', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const api = await fakeApi((req, res, self) => {
      if (req.url?.startsWith('/file/')) {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
        return;
      }
      res.end(JSON.stringify({ code: 200, msg: 'success', data: `${self}/file/${api.arrivals.length}` }));
    });
    const w = watcher(api.url, { accountRequestsPerSecond: 4 });
    const urls = Array.from({ length: 8 }, (_, i) => `https://cdn.example/${i}.png`);
    const files = await w.download(result(urls), { dir: await tempDir(), concurrency: 8 });
    expect(files).toHaveLength(8);
    const links = api.arrivals.filter((a) => a.path.endsWith('/download-url')).map((a) => a.at);
    expect(links).toHaveLength(8);
    // 4 per second with a burst of 4: any 1-second window (minus 50 ms of arrival jitter) holds at most 4 + 4.
    // Checked the strict way: the 5th link request comes at least ~250 ms after the first, the 8th ~1 s after.
    expect((links[7] as number) - (links[0] as number)).toBeGreaterThan(950);
  });

  it('sends the key only to the API, never to the file host', async () => {
    const seen: (string | undefined)[] = [];
    const api = await fakeApi((req, res, self) => {
      seen.push(req.headers.authorization);
      if (req.url?.startsWith('/file/')) res.writeHead(200, { 'content-type': 'image/webp', 'content-length': 3 }).end('abc');
      else res.end(JSON.stringify({ code: 200, msg: 'success', data: `${self}/file/1` }));
    });
    const [file] = await downloadResult({ taskId: 'k', family: 'market', resultUrls: ['https://cdn.example/1'] }, { apiKey: KEY, baseUrl: api.url, dir: await tempDir() });
    expect(file?.path.endsWith('k-0.webp')).toBe(true);
    expect(seen).toEqual([`Bearer ${KEY}`, undefined]);
    expect(api.arrivals[0]?.path).toBe('/api/v1/common/download-url');
  });

  it('is a kie-watcher error that names its task and never the key', async () => {
    const api = await fakeApi((_req, res) => res.end(JSON.stringify({ code: 401, msg: `bad key ${KEY}` })));
    const err = await rejection(downloadResult(result(['https://cdn.example/x.png']), { apiKey: KEY, baseUrl: api.url, dir: await tempDir() }));
    expect(isKieWatcherError(err) && err.code === 'KIE_DOWNLOAD_FAILED').toBe(true);
    expect((err as DownloadError).message).not.toContain(KEY);
    expect((err as DownloadError).message).toContain('t-1');
  });
});
