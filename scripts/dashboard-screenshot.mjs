#!/usr/bin/env node
// Regenerates docs/dashboard.png: the dashboard of `kie-watch demo --workers 4 --dashboard`, in headless Chromium
// (Debian's package, driven by playwright-core), taken mid-run once some results are in and tasks are still
// pending. Run: node scripts/dashboard-screenshot.mjs [out.png] [--full]   (KIE_CHROMIUM=/path overrides the browser)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(root, 'docs/dashboard.png'));
const browserPath = [process.env.KIE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
if (browserPath === undefined) {
  process.stderr.write('dashboard-screenshot: no Chromium; run node scripts/ensure-chromium.mjs\n');
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const demo = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'demo', '--workers', '4', '--dashboard', '--tasks', '60', '--families', 'all', '--seed', '3', '--speed', '0.5', '--json'], {
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
demo.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
const exited = new Promise((r) => demo.once('close', r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, read, ok, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end || demo.exitCode !== null) throw new Error(`dashboard-screenshot: no ${what}; the demo said:\n${stderr}`);
    await sleep(250);
  }
}

const profile = mkdtempSync(join(tmpdir(), 'kie-shot-'));
let context;
try {
  const url = await until('dashboard URL', () => /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)?.[1], Boolean, 60_000);
  const summary = async () => (await fetch(`${url}api/summary`)).json();
  // Mid-run: results in, tasks still pending, a few chart points.
  await until('mid-run moment', summary, (s) => s.recent.length >= 8 && s.pending >= 15, 120_000);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: browserPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1200 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('#status.live', { timeout: 10_000 });
  await sleep(2_500);
  // The first 1,200 px (summary, charts, breakdown, processes, the tasks due first): the whole page is ~380 KB as a
  // PNG (~300 KB as a JPEG), most of the packed size of a package that ships docs/. --full takes it all.
  await page.screenshot({ path: out, fullPage: process.argv.includes('--full') });
  process.stdout.write(`dashboard-screenshot: wrote ${out}\n`);
} finally {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
  if (demo.exitCode === null) demo.kill('SIGINT');
  await exited;
}
