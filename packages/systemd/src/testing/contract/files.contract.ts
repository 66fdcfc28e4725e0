// Contract: the units directory (write, remove, list, hash).
import {
  compareStrings,
  parseUnitFile,
  serializeUnitOptions,
  unitHash,
  type UnitOption,
} from '@fleet/unit';
import { expect, it } from 'vitest';
import type { ContractContext } from './context.js';

const SLEEPER = '[Unit]\nDescription=contract sleeper\n\n[Service]\nExecStart=/bin/sleep 3600\n';

/** fleet's hash of a unit file's text. */
export const hashOf = (content: string): string => unitHash(parseUnitFile(content));

export function filesContract(ctx: ContractContext): void {
  it('writes unit files and lists them sorted, with their hash', async () => {
    const { systemd } = ctx.h();
    const [first, second] = [ctx.unit('first'), ctx.unit('second')];
    const other = SLEEPER.replace('3600', '3601');
    await systemd.writeUnit(second, other);
    await systemd.writeUnit(first, SLEEPER);
    const ours = (await systemd.listUnitFiles()).filter(
      (f) => f.name === first || f.name === second,
    );
    const expected = [
      { name: first, hash: hashOf(SLEEPER) },
      { name: second, hash: hashOf(other) },
    ].sort((x, y) => compareStrings(x.name, y.name));
    expect(ours).toEqual(expected);
    expect(hashOf(SLEEPER)).not.toBe(hashOf(other));
  });

  it('lists files of every unit type fleet accepts, and nothing else', async () => {
    const h = ctx.h();
    const names = [
      ctx.unit('svc', 'service'),
      ctx.unit('sock', 'socket'),
      ctx.unit('tmr', 'timer'),
      ctx.unit('pth', 'path'),
      ctx.unit('mnt', 'mount'),
      ctx.unit('tgt', 'target'),
      ctx.unit('slc', 'slice'),
    ];
    for (const name of names) await h.systemd.writeUnit(name, '[Unit]\nDescription=x\n');
    const stray = `${names[0]}.txt`;
    await h.putStrayFile(stray, 'not a unit\n');
    const listed = (await h.systemd.listUnitFiles()).map((f) => f.name);
    expect(listed.filter((n) => names.includes(n) || n === stray)).toEqual([...names].sort());
  });

  it('removes unit files; removing a missing one succeeds', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('gone');
    await systemd.writeUnit(name, SLEEPER);
    await systemd.removeUnit(name);
    await systemd.removeUnit(name);
    expect((await systemd.listUnitFiles()).map((f) => f.name)).not.toContain(name);
    expect((await systemd.unitStates([name])).get(name)?.hash).toBeUndefined();
  });

  it('gives a rewritten file its new hash in listUnitFiles and unitStates', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('rewrite');
    await systemd.writeUnit(name, SLEEPER);
    expect((await systemd.unitStates([name])).get(name)?.hash).toBe(hashOf(SLEEPER));
    const changed = SLEEPER.replace('contract sleeper', 'changed');
    await systemd.writeUnit(name, changed);
    expect((await systemd.unitStates([name])).get(name)?.hash).toBe(hashOf(changed));
    const listed = (await systemd.listUnitFiles()).find((f) => f.name === name);
    expect(listed).toEqual({ name, hash: hashOf(changed) });
  });

  it('hashes a file as the unit hash of the options it was written from, padding included', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('padded');
    // fleet accepts values with surrounding whitespace and hashes them as given; the parser trims.
    const padded: UnitOption[] = [
      { section: 'Service', name: 'ExecStart', value: '/bin/sleep 3600 ' },
      { section: 'Service', name: 'Environment', value: '\tA=1' },
    ];
    await systemd.writeUnit(name, serializeUnitOptions(padded));
    const listed = (await systemd.listUnitFiles()).find((f) => f.name === name);
    expect(listed).toEqual({ name, hash: unitHash(padded) });
    expect((await systemd.unitStates([name])).get(name)?.hash).toBe(unitHash(padded));
    expect(unitHash(padded)).not.toBe(hashOf(serializeUnitOptions(padded)));
  });

  it('lists a file that does not parse without a hash', async () => {
    const { systemd } = ctx.h();
    const name = ctx.unit('garbage');
    await systemd.writeUnit(name, 'garbage\n[Service\n');
    expect((await systemd.listUnitFiles()).find((f) => f.name === name)).toEqual({ name });
  });

  it('rejects invalid unit names with SYSTEMD_INVALID_ARGS before doing anything', async () => {
    const { systemd } = ctx.h();
    const invalid = { code: 'SYSTEMD_INVALID_ARGS', retryable: false };
    await expect(systemd.writeUnit('bad name.service', SLEEPER)).rejects.toMatchObject(invalid);
    await expect(systemd.writeUnit('../escape.service', SLEEPER)).rejects.toMatchObject(invalid);
    await expect(systemd.start('no-type')).rejects.toMatchObject(invalid);
    await expect(systemd.unitStates(['ok.service', 'x.notatype'])).rejects.toMatchObject(invalid);
    expect(() => systemd.watch(['bad name'])).toThrow(expect.objectContaining(invalid));
  });
}
