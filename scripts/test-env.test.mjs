// scripts/test-env.sh (the set-up of scripts/test, scripts/demo and .ci/run) in a scratch checkout
// with fake dpkg-query, apt-get, id, npm and scripts/node24.sh that record how they were called:
// apt runs only for missing packages, Node 24 lands first in PATH, npm ci runs only when needed,
// and a failing step stops the set-up with one message.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ENV_SH = join(import.meta.dirname, 'test-env.sh');
const PACKAGES = [
  'etcd-server',
  'systemd-container',
  'debootstrap',
  'openssh-server',
  'util-linux',
  'zsh',
  'chromium',
];

let dir;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function script(path, body) {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/**
 * A scratch checkout where `installed` packages are installed, the user is `uid`, and apt-get and
 * node24.sh succeed unless told otherwise. Returns a function running the set-up there.
 */
function checkout({ installed = PACKAGES, uid = 0, aptFails = false, nodeFails = false } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'fleet-test-env-'));
  const fake = join(dir, 'fake-bin');
  const node = join(dir, 'node24', 'bin');
  const repo = join(dir, 'repo');
  for (const d of [fake, node, join(repo, 'scripts')]) mkdirSync(d, { recursive: true });
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  copyFileSync(ENV_SH, join(repo, 'scripts', 'test-env.sh'));
  writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  const installedList = installed.join(' ');
  script(
    join(fake, 'dpkg-query'),
    `for p in ${installedList}; do [ "$p" = "$3" ] && { printf 'ii '; exit 0; }; done; exit 1`,
  );
  script(join(fake, 'apt-get'), `echo "apt-get $*" >>${log}; exit ${aptFails ? 100 : 0}`);
  script(join(fake, 'id'), `echo ${uid}`);
  script(
    join(fake, 'npm'),
    `echo "npm $*" >>${log}; [ "$1" = ci ] && mkdir -p node_modules; [ "$1" = --version ] && echo 11; exit 0`,
  );
  script(join(fake, 'node'), 'echo v20.0.0');
  script(join(node, 'node'), 'echo v24.0.0');
  script(join(repo, 'scripts', 'promtool.sh'), 'echo /cache/promtool');
  script(
    join(repo, 'scripts', 'node24.sh'),
    nodeFails ? 'echo "no network" >&2; exit 1' : `echo ${node}`,
  );
  const setup = () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        '. scripts/test-env.sh && fleet_setup && echo "node=$(command -v node) promtool=$FLEET_PROMTOOL"',
      ],
      { cwd: repo, encoding: 'utf8', env: { PATH: `${fake}:/usr/bin:/bin`, HOME: dir } },
    );
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    writeFileSync(log, '');
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  };
  return { setup, repo, node };
}

describe('scripts/test-env.sh', () => {
  it('on a machine with every package: no apt, Node 24 first in PATH, npm ci once', () => {
    const { setup, repo, node } = checkout();
    const first = setup();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`node=${node}/node `);
    expect(first.stdout).toContain('promtool=/cache/promtool');
    expect(first.calls.filter((c) => c.startsWith('apt-get'))).toEqual([]);
    expect(first.calls).toContain('npm ci --no-audit --no-fund');
    const again = setup();
    expect(again.code).toBe(0);
    expect(again.calls).not.toContain('npm ci --no-audit --no-fund');
    writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3, "changed": true}\n');
    expect(setup().calls).toContain('npm ci --no-audit --no-fund');
  });

  it('installs only the missing packages, as root', () => {
    const { setup } = checkout({ installed: PACKAGES.filter((p) => p !== 'debootstrap') });
    const r = setup();
    expect(r.code).toBe(0);
    expect(r.calls.filter((c) => c.startsWith('apt-get'))).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq debootstrap',
    ]);
  });

  it('refuses to install packages when not root, and installs nothing else', () => {
    const { setup } = checkout({ installed: [], uid: 1000 });
    const r = setup();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('run as root to install the missing packages');
    expect(r.calls).toEqual([]);
  });

  it('stops with one message when apt-get fails', () => {
    const { setup } = checkout({ installed: [], aptFails: true });
    const r = setup();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('set-up: apt-get install failed');
    expect(r.calls.some((c) => c.startsWith('npm ci'))).toBe(false);
  });

  it('stops with one message when Node 24 cannot be had', () => {
    const { setup, repo } = checkout({ nodeFails: true });
    const r = setup();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('set-up: could not get Node 24');
    expect(r.calls.some((c) => c.startsWith('npm ci'))).toBe(false);
    expect(existsSync(join(repo, 'node_modules'))).toBe(false);
  });
});
