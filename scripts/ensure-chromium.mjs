#!/usr/bin/env node
// Makes sure a Chromium for the dashboard's browser tests is installed before the suite runs: they drive the
// page in headless Chromium through playwright-core, which downloads no browser of its own. On Debian as root
// it installs the distribution package (saying so); anywhere else it fails with the exact command to run, or
// takes the binary named by KIE_CHROMIUM.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function find() {
  const named = process.env.KIE_CHROMIUM;
  if (named) return existsSync(named) ? named : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function fail(message) {
  process.stderr.write(`ensure-chromium: ${message}\n`);
  process.exit(1);
}

const debian = existsSync('/etc/debian_version');
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const INSTALL = debian ? 'sudo apt-get install -y chromium' : 'install Chromium (e.g. `dnf install chromium`, `brew install --cask chromium`) and set KIE_CHROMIUM=/path/to/it';

let bin = find();
if (bin === null) {
  if (process.env.KIE_CHROMIUM) fail(`KIE_CHROMIUM=${process.env.KIE_CHROMIUM} does not exist`);
  if (!(debian && root)) fail(`no Chromium at ${CANDIDATES.join(', ')}; the dashboard's browser tests need one. Run: ${INSTALL}`);
  process.stdout.write('ensure-chromium: chromium not found; installing it: apt-get install -y chromium\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    // A fresh machine may have no package lists yet.
    process.stdout.write('ensure-chromium: apt-get install failed; running apt-get update and trying again\n');
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
  }
  if (r.status !== 0) fail(`apt-get install -y chromium failed (exit ${r.status}). Run it by hand: ${INSTALL}`);
  bin = find();
  if (bin === null) fail(`chromium is still not installed after apt-get install. Run: ${INSTALL}`);
}
const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
if (v.status !== 0) fail(`${bin} --version failed: ${(v.stderr || '').trim()}`);
process.stdout.write(`ensure-chromium: ${v.stdout.trim()} (${bin})\n`);
