// submit/load/start creating units from local files and templates, --replace rules and
// client-side validation, against a real API over InMemoryRegistry (no engine: --no-block, or
// nothing to wait for).
import { parseUnitFile, unitHash } from '@fleet/unit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness } from '../testing/harness.js';

const HELLO = '[Unit]\nDescription=hello\n\n[Service]\nExecStart=/bin/sleep 1000\n';
const HELLO2 = '[Unit]\nDescription=hello again\n\n[Service]\nExecStart=/bin/sleep 2000\n';
const TEMPLATE = '[Service]\nExecStart=/bin/echo %i\n';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(() => h.close());

const stored = async (name: string) => h.registry.getUnit(name);

describe('submit', () => {
  it('creates units from files (appending .service), inactive, and prints their state', async () => {
    await h.file('units/hello.service', HELLO);
    const r = await h.fleetctl(['submit', 'units/hello']);
    expect(r).toEqual({ code: 0, stdout: 'Unit hello.service inactive\n', stderr: '' });
    const u = await stored('hello.service');
    expect(u?.desiredState).toBe('inactive');
    expect(u?.hash).toBe(unitHash(parseUnitFile(HELLO)));
  });

  it('is idempotent and warns when the local file differs, keeping the registry copy', async () => {
    await h.file('hello.service', HELLO);
    expect((await h.fleetctl(['submit', 'hello.service'])).code).toBe(0);
    await h.file('hello.service', HELLO2);
    const r = await h.fleetctl(['submit', 'hello.service']);
    expect(r).toEqual({
      code: 0,
      stdout: '',
      stderr:
        'WARNING: Unit hello.service in registry differs from local unit file hello.service. Add --replace to override.\n',
    });
    expect((await stored('hello.service'))?.hash).toBe(unitHash(parseUnitFile(HELLO)));
  });

  it('never changes the desired state of a unit already in the cluster', async () => {
    await h.file('hello.service', HELLO);
    await h.file('idle.service', HELLO);
    for (const [name, state] of [
      ['hello.service', 'launched'],
      ['idle.service', 'loaded'],
    ] as const) {
      await h.registry.createUnit({ name, options: parseUnitFile(HELLO), desiredState: state });
    }
    const r = await h.fleetctl(['submit', 'hello.service', 'idle.service']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await stored('hello.service'))?.desiredState).toBe('launched');
    expect((await stored('idle.service'))?.desiredState).toBe('loaded');
    // --replace with the same contents changes nothing either.
    expect((await h.fleetctl(['submit', '--replace', 'hello.service'])).code).toBe(0);
    expect((await stored('hello.service'))?.desiredState).toBe('launched');
  });

  it('replaces with --replace only in the states the command allows', async () => {
    await h.file('hello.service', HELLO);
    await h.fleetctl(['submit', 'hello.service']);
    await h.file('hello.service', HELLO2);
    const r = await h.fleetctl(['submit', '--replace', 'hello.service']);
    expect(r).toEqual({ code: 0, stdout: 'Unit hello.service inactive\n', stderr: '' });
    expect((await stored('hello.service'))?.hash).toBe(unitHash(parseUnitFile(HELLO2)));

    await h.registry.setDesiredState('hello.service', 'loaded');
    await h.file('hello.service', HELLO);
    const refused = await h.fleetctl(['submit', '--replace', 'hello.service']);
    expect(refused.stderr).toBe(
      "WARNING: can not replace Unit(hello.service) in state 'loaded', use the appropriate command\n",
    );
    expect((await stored('hello.service'))?.hash).toBe(unitHash(parseUnitFile(HELLO2)));
    const same = await h.fleetctl(['submit', '--replace', 'hello.service']);
    expect(same.code).toBe(0);
  });

  it('says so when --replace finds the same contents', async () => {
    await h.file('hello.service', HELLO);
    await h.fleetctl(['submit', 'hello.service']);
    // Same options, different comments and spacing: same hash.
    await h.file('hello.service', `# a comment\n${HELLO.replace('=', ' = ')}`);
    const r = await h.fleetctl(['submit', '--replace', 'hello.service']);
    expect(r.stdout).toBe('Found same Unit(hello.service) in Registry, nothing to do\n');
  });

  it('creates instances from a template on disk, and later from the registered template', async () => {
    await h.file('svc/echo@.service', TEMPLATE);
    const r = await h.fleetctl(['submit', 'svc/echo@1.service', 'svc/echo@.service']);
    expect(r.code).toBe(0);
    expect((await stored('echo@1.service'))?.hash).toBe(unitHash(parseUnitFile(TEMPLATE)));
    // The template is registered now; an instance elsewhere comes from the registry's copy.
    const r2 = await h.fleetctl(['submit', 'elsewhere/echo@2.service']);
    expect(r2).toMatchObject({ code: 0, stdout: 'Unit echo@2.service inactive\n' });
    expect((await stored('echo@2.service'))?.options).toEqual(parseUnitFile(TEMPLATE));
  });

  it('warns when the local template differs from the registered one', async () => {
    await h.file('echo@.service', TEMPLATE);
    await h.fleetctl(['submit', 'echo@.service']);
    await h.file('echo@.service', '[Service]\nExecStart=/bin/echo changed %i\n');
    const r = await h.fleetctl(['submit', 'echo@3.service']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'WARNING: Unit echo@.service in registry differs from local template unit file echo@.service.',
    );
  });

  it("fails with fleet's messages when nothing can be found", async () => {
    expect(await h.fleetctl(['submit', 'missing'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Error creating units: unable to find Unit(missing.service) in Registry or on filesystem\n',
    });
    const inst = await h.fleetctl(['submit', 'nope@1.service']);
    expect(inst.stderr).toBe(
      'Error creating units: unable to find Unit(nope@1.service) or its template Unit(nope@.service) in Registry or on filesystem\n',
    );
  });

  it("validates names and options on the client, with the API's messages, sending nothing", async () => {
    await h.file(
      'bad.service',
      '[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\nMachineOf=a.service\n',
    );
    const r = await h.fleetctl(['submit', 'bad.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error creating units: invalid unit options: Global cannot be used with Peers\n',
    );
    await h.file('broken.service', 'ExecStart=/bin/true\n');
    const broken = await h.fleetctl(['submit', 'broken.service']);
    expect(broken.stderr).toMatch(
      /^Error creating units: failed getting Unit\(broken.service\) from file: line 1: /,
    );
    await h.file('a$b.service', HELLO);
    const name = await h.fleetctl(['submit', 'a$b.service']);
    expect(name.stderr).toMatch(/^Error creating units: invalid unit name "a\$b.service"/);
    expect((await h.registry.listUnits()).items).toEqual([]);
  });

  it('prints [X-Fleet] warnings and stops at the first failing unit', async () => {
    await h.file('a.service', '[Service]\nExecStart=/bin/true\n[X-Fleet]\nX-Conflicts=b*\n');
    const r = await h.fleetctl(['submit', 'a.service', 'missing.service', 'a2.service']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^WARNING: Unit a.service: .*deprecated/);
    expect((await h.registry.listUnits()).items.map((u) => u.name)).toEqual(['a.service']);
  });

  it('--sign is deprecated: exit 2', async () => {
    expect(await h.fleetctl(['submit', '--sign', 'x'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'WARNING: The signed/verified units feature is DEPRECATED and cannot be used.\n',
    });
  });
});

describe('load and start --no-block', () => {
  it('creates units with the target state and says they were triggered', async () => {
    await h.file('hello.service', HELLO);
    const r = await h.fleetctl(['start', '--no-block', 'hello.service']);
    expect(r).toEqual({ code: 0, stdout: 'Triggered unit hello.service start\n', stderr: '' });
    expect((await stored('hello.service'))?.desiredState).toBe('launched');
  });

  it('sets the state of registered units, skipping those already there', async () => {
    await h.registry.createUnit({
      name: 'a.service',
      options: parseUnitFile(HELLO),
      desiredState: 'inactive',
    });
    await h.registry.createUnit({
      name: 'b.service',
      options: parseUnitFile(HELLO),
      desiredState: 'loaded',
    });
    const r = await h.fleetctl(['load', '--no-block', 'a', 'b']);
    expect(r).toEqual({ code: 0, stdout: 'Triggered unit a.service load\n', stderr: '' });
    expect((await stored('a.service'))?.desiredState).toBe('loaded');
  });

  it("load of a launched unit sets it to loaded (stopping it), as fleet's load did", async () => {
    await h.registry.createUnit({
      name: 'a.service',
      options: parseUnitFile(HELLO),
      desiredState: 'launched',
    });
    const r = await h.fleetctl(['load', '--no-block', 'a']);
    expect(r).toEqual({ code: 0, stdout: 'Triggered unit a.service load\n', stderr: '' });
    expect((await stored('a.service'))?.desiredState).toBe('loaded');
  });

  it('triggers global units without waiting', async () => {
    await h.file('g.service', '[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\n');
    const r = await h.fleetctl(['start', 'g.service']);
    expect(r).toEqual({ code: 0, stdout: 'Triggered global unit g.service start\n', stderr: '' });
  });

  it('tells global units apart among new, kept and replaced ones without reading them again', async () => {
    const global = '[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\n';
    await h.registry.createUnit({
      name: 'kept.service',
      options: parseUnitFile(global),
      desiredState: 'loaded',
    });
    await h.file('new.service', global);
    await h.file('plain.service', HELLO);
    const r = await h.fleetctl(['start', '--no-block', 'kept', 'new', 'plain']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'Triggered global unit kept.service start\n' +
        'Triggered global unit new.service start\n' +
        'Triggered unit plain.service start\n',
      stderr: '',
    });
    expect((await stored('kept.service'))?.desiredState).toBe('launched');
  });

  it('replaces a launched unit on start --replace and keeps it launched', async () => {
    await h.file('hello.service', HELLO);
    await h.fleetctl(['start', '--no-block', 'hello.service']);
    await h.file('hello.service', HELLO2);
    const r = await h.fleetctl(['start', '--no-block', '--replace', 'hello.service']);
    expect(r).toEqual({ code: 0, stdout: 'Triggered unit hello.service start\n', stderr: '' });
    const u = await stored('hello.service');
    expect(u).toMatchObject({ desiredState: 'launched', hash: unitHash(parseUnitFile(HELLO2)) });
  });

  it('load --replace of a launched unit is refused', async () => {
    await h.file('hello.service', HELLO);
    await h.fleetctl(['start', '--no-block', 'hello.service']);
    await h.file('hello.service', HELLO2);
    const r = await h.fleetctl(['load', '--no-block', '--replace', 'hello.service']);
    expect(r.stderr).toContain("can not replace Unit(hello.service) in state 'launched'");
  });

  it('refuses to activate a template', async () => {
    await h.file('echo@.service', TEMPLATE);
    const r = await h.fleetctl(['start', '--no-block', 'echo@.service']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'Error creating units: cannot activate template "echo@.service"\n',
    });
  });

  it('"No units given" is a usage error (exit 1)', async () => {
    for (const cmd of [
      'submit',
      'load',
      'start',
      'stop',
      'unload',
      'destroy',
      'restart',
      'status',
    ]) {
      expect(await h.fleetctl([cmd])).toEqual({ code: 1, stdout: '', stderr: 'No units given\n' });
    }
  });
});
