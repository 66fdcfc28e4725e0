// The command line itself: help, version, prefixes, usage errors (exit 1, one line), global
// flags from FLEETCTL_* variables, and the small commands (cat, verify, fd-forward).
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../cli/run.js';
import { Harness } from '../testing/harness.js';
import { Capture, input } from '../testing/streams.js';
import { VERSION } from '../version.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(() => h.close());

describe('help and version', () => {
  it('prints help and exits 0 without arguments, with --help and with help', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help'], ['--debug']]) {
      const r = await h.fleetctl(args, { endpoint: false });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('fleetctl is a command-line interface to fleet');
      expect(r.stdout).toContain('list-unit-files');
      expect(r.stdout).toContain('FLEETCTL_ENDPOINT');
    }
  });

  it("prints one command's help with its flags", async () => {
    for (const args of [
      ['help', 'journal'],
      ['journal', '--help'],
      ['help', 'jour'],
    ]) {
      const r = await h.fleetctl(args, { endpoint: false });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^fleetctl journal \[--lines=N\]/);
      expect(r.stdout).toContain('--follow');
      expect(r.stdout).toContain('Global options:');
    }
  });

  it('prints the version for version, --version and -v', async () => {
    for (const args of [['version'], ['--version'], ['-v'], ['vers'], ['--debug', '--version']]) {
      expect(await h.fleetctl(args, { endpoint: false })).toEqual({
        code: 0,
        stdout: `fleetctl version ${VERSION}\n`,
        stderr: '',
      });
    }
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('usage errors: one line, exit 1', () => {
  it.each([
    [['bogus'], /^unknown command "bogus"\. Run 'fleetctl help' for usage\.\n$/],
    [['st', 'x'], /^ambiguous command "st": could be start, status, stop\./],
    [
      ['list-units', '--bogus'],
      /^Unknown argument: --bogus\. Run 'fleetctl help list-units' for usage\.\n$/,
    ],
    [['journal', '--no-such', 'a'], /^Unknown argument: --no-such\. Run 'fleetctl help journal'/],
    [['list-units', '--x=1', '-q'], /^Unknown arguments: --x, -q\./],
    [['list-units', 'extra'], /^Unknown argument: extra\./],
    [
      ['list-units', '--feilds', 'unit'],
      /^Unknown argument: --feilds \(did you mean --fields\?\)\. Run 'fleetctl help list-units'/,
    ],
    [['start', '--no-blok', 'x'], /^Unknown argument: --no-blok \(did you mean --no-block\?\)\./],
    [['list-units', '--no-legnd'], /^Unknown argument: --no-legnd \(did you mean --no-legend\?\)/],
    [
      ['lst-units'],
      /^unknown command "lst-units"\. Did you mean "list-units"\? Run 'fleetctl help'/,
    ],
    [['stats', 'x'], /^unknown command "stats"\. Did you mean "status"\?/],
    [['list-units', '--fields'], /^Not enough arguments following: fields\./],
    [['start', '--block-attempts=x', 'a'], /^--block-attempts must be a non-negative integer\n$/],
    [['--driver=etcd', 'list-units'], /^unsupported driver "etcd"/],
    [['--request-timeout=0', 'list-units'], /^--request-timeout must be a positive number/],
    [['journal', 'a', 'b'], /^One unit file must be provided\.\n$/],
    [['cat'], /^One unit file must be provided\.\n$/],
    [['ssh', '--machine', 'a', '--unit', 'b'], /^Both machine and unit flags provided/],
  ])('%j', async (args, message) => {
    const r = await h.fleetctl(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('verify is deprecated: exit 2', async () => {
    expect(await h.fleetctl(['verify', 'x'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'WARNING: The signed/verified units feature is DEPRECATED and cannot be used.\n',
    });
  });
});

describe('global flags and the environment', () => {
  const UNIT = [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }];

  it('reads FLEETCTL_ENDPOINT, ignores unknown FLEETCTL_* variables, and the flag wins', async () => {
    await h.registry.createUnit({ name: 'a.service', options: UNIT, desiredState: 'inactive' });
    const env = { FLEETCTL_ENDPOINT: h.endpoint, FLEETCTL_NOT_A_FLAG: 'x', FLEETCTL_FULL: 'true' };
    const r = await h.fleetctl(['list-unit-files', '--no-legend', '--fields=unit,hash'], {
      env,
      endpoint: false,
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    // FLEETCTL_FULL is not a global flag: hashes stay short.
    expect(r.stdout).toMatch(/^a\.service\t[0-9a-f]{7}\n$/);
    const wrong = { FLEETCTL_ENDPOINT: `unix://${join(h.dir, 'nope.sock')}` };
    expect((await h.fleetctl(['list-unit-files'], { env: wrong })).code).toBe(0);
    expect((await h.fleetctl(['list-unit-files'], { env: wrong, endpoint: false })).code).toBe(1);
  });

  it('parses boolean and number variables as fleet did, rejecting bad values', async () => {
    const r = await h.fleetctl(['list-units'], { env: { FLEETCTL_DEBUG: 'true' } });
    expect(r.stderr).toMatch(/DEBUG fleetctl: API listUnitStates\(\)/);
    expect(await h.fleetctl(['list-units'], { env: { FLEETCTL_DEBUG: 'maybe' } })).toMatchObject({
      code: 1,
      stderr: 'invalid value "maybe" for FLEETCTL_DEBUG: expected true or false\n',
    });
    const t = await h.fleetctl(['list-units'], { env: { FLEETCTL_REQUEST_TIMEOUT: 'soon' } });
    expect(t.stderr).toBe('invalid value "soon" for FLEETCTL_REQUEST_TIMEOUT: expected a number\n');
  });

  it('takes the last value of a repeated flag and expands command prefixes after global flags', async () => {
    await h.registry.createUnit({ name: 'a.service', options: UNIT, desiredState: 'inactive' });
    const r = await h.fleetctl([
      '--debug=false',
      'list-unit-f',
      '--fields',
      'hash',
      '--fields',
      'unit',
      '--no-legend',
    ]);
    expect(r).toEqual({ code: 0, stdout: 'a.service\n', stderr: '' });
  });

  it("accepts a command's own flags before the command word", async () => {
    await h.registry.createUnit({ name: 'a.service', options: UNIT, desiredState: 'inactive' });
    const r = await h.fleetctl(['--no-legend', '-l', 'list-unit-files', '--fields=unit']);
    expect(r).toEqual({ code: 0, stdout: 'a.service\n', stderr: '' });
    const help = await h.fleetctl(['help', 'list-m']);
    expect(help.stdout).toMatch(/^fleetctl list-machines /);
  });

  it('fails with one line when a TLS file cannot be read', async () => {
    const r = await h.fleetctl(['--ca-file', join(h.dir, 'no-ca.pem'), 'list-units']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Unable to initialize client: cannot read the CA file .*no-ca\.pem: ENOENT[^\n]*\n$/,
    );
  });

  it('refuses a unix endpoint with a host part, as fleet did', async () => {
    const r = await h.fleetctl(['--endpoint', 'unix://var/run/fleet.sock', 'list-units'], {
      endpoint: false,
    });
    expect(r).toMatchObject({ code: 1 });
    expect(r.stderr).toContain('unable to connect to host "var" with scheme "unix"');
  });
});

describe('cat', () => {
  it('prints the unit as serialised from its options', async () => {
    await h.file(
      'hello.service',
      '# comment\n[Unit]\nDescription = hi\n[Service]\nExecStart=/bin/true\n',
    );
    await h.fleetctl(['submit', 'hello.service']);
    expect(await h.fleetctl(['cat', 'hello'])).toEqual({
      code: 0,
      stdout: '[Unit]\nDescription=hi\n\n[Service]\nExecStart=/bin/true\n',
      stderr: '',
    });
    expect(await h.fleetctl(['cat', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Unit nope.service does not exist.\n',
    });
  });
});

describe('fd-forward', () => {
  it('copies stdin to the socket and the socket to stdout', async () => {
    const path = join(h.dir, 'echo.sock');
    const server = createServer((s: Socket) => {
      s.on('data', (d: Buffer) => s.end(`echo:${d.toString()}`));
    });
    server.listen(path);
    await once(server, 'listening');
    const stdin = new PassThrough();
    const stdout = new Capture();
    const done = run(['fd-forward', path], { stdin, stdout, stderr: new Capture(), env: {} });
    stdin.write('ping');
    expect(await done).toBe(0);
    expect(stdout.text()).toBe('echo:ping');
    server.close();
  });

  it('fails with one line when the socket is not there', async () => {
    const stderr = new Capture();
    const code = await run(['fd-forward', join(h.dir, 'none.sock')], {
      stdin: input(),
      stdout: new Capture(),
      stderr,
      env: {},
    });
    expect(code).toBe(1);
    expect(stderr.text()).toMatch(/^Failed to connect to .*none\.sock: connect ENOENT/);
  });
});
