#!/usr/bin/env node
// Makes sure a real redis-server (or valkey-server) is on PATH before the test suite runs: the Redis tests
// start one per suite and must never be skipped. On Debian as root it installs the distribution package
// (saying so); anywhere else it fails with the exact command to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['redis-server', 'valkey-server'];
// The oldest release accepted: the fleet scripts need streams and script effects replication (5.0), ioredis 6
// speaks RESP3 (6.0); 6.2 leaves a margin. Only 7.0 (Debian 12's package) is tested here.
const MIN = [6, 2];

function find() {
  for (const name of CANDIDATES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return null;
}

function versionOf(bin) {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /v=(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!m) throw new Error(`cannot read the version from: ${out.trim()}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function fail(message) {
  process.stderr.write(`ensure-redis: ${message}\n`);
  process.exit(1);
}

const debian = existsSync('/etc/debian_version');
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const INSTALL = debian ? 'sudo apt-get install -y redis-server' : 'install redis-server >= 6.2 or valkey-server (e.g. `brew install redis`, `dnf install redis`, `apk add redis`)';

let bin = find();
if (bin === null) {
  if (!(debian && root)) fail(`no redis-server or valkey-server on PATH; the Redis tests need one. Run: ${INSTALL}`);
  process.stdout.write('ensure-redis: redis-server not found; installing it: apt-get install -y redis-server\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    // A fresh machine may have no package lists yet.
    process.stdout.write('ensure-redis: apt-get install failed; running apt-get update and trying again\n');
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', 'redis-server'], { stdio: 'inherit', env });
  }
  if (r.status !== 0) fail(`apt-get install -y redis-server failed (exit ${r.status}). Run it by hand: ${INSTALL}`);
  bin = find();
  if (bin === null) fail(`redis-server is still not on PATH after apt-get install. Run: ${INSTALL}`);
}
const v = versionOf(bin);
if (v[0] < MIN[0] || (v[0] === MIN[0] && v[1] < MIN[1])) fail(`${bin} is ${v.join('.')}; the fleet scripts need >= ${MIN.join('.')}. Run: ${INSTALL}`);
process.stdout.write(`ensure-redis: ${bin} ${v.join('.')}\n`);
