// --strict (FLEETCTL_STRICT=1): an unknown [X-Fleet] key refuses the unit in one line naming the
// closest known key, exit 1, nothing written; without it, a warning (fleet's), from plan too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, M1 } from '../testing/harness.js';
import { closestXFleetKey, unknownXFleetKey } from '../units/strict.js';

const TYPO = '[Service]\nExecStart=/bin/true\n[X-Fleet]\nMachineMetdata=region=eu\n';
const FINE = '[Service]\nExecStart=/bin/true\n[X-Fleet]\nMachineMetadata=region=eu\n';
const REFUSED =
  'Unit typo.service: unknown [X-Fleet] key "MachineMetdata" (did you mean "MachineMetadata"?); ' +
  '--strict refuses it';
const WARNING =
  'WARNING: Unit typo.service: unrecognized requirement in [X-Fleet] section: "MachineMetdata"';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine(M1);
  await h.file('a-fine.service', FINE);
  await h.file('typo.service', TYPO);
  await h.file('dir/typo.service', TYPO);
});
afterEach(() => h.close());

const units = async () => (await h.registry.listUnits()).items.map((u) => u.name);

describe('closest key', () => {
  it('names the known key nearest to a misspelled one', () => {
    expect(closestXFleetKey('MachineMetdata')).toBe('MachineMetadata');
    expect(closestXFleetKey('UpdateMaxParalel')).toBe('UpdateMaxParallel');
    expect(closestXFleetKey('conflicts')).toBe('Conflicts');
    expect(unknownXFleetKey([{ section: 'X-Fleet', name: 'HealthCheckURL', value: 'x' }])).toBe(
      undefined,
    );
  });
});

describe('submit, load and start', () => {
  it('refuse with --strict or FLEETCTL_STRICT=1, writing nothing', async () => {
    for (const cmd of ['submit', 'load', 'start']) {
      for (const [args, env] of [
        [['--strict', cmd], {}],
        [[cmd], { FLEETCTL_STRICT: '1' }],
      ] as const) {
        const block = cmd === 'submit' ? [] : ['--no-block'];
        const r = await h.fleetctl([...args, ...block, 'a-fine.service', 'typo.service'], {
          env,
        });
        expect(r).toEqual({ code: 1, stdout: '', stderr: `Error creating units: ${REFUSED}\n` });
        expect(await units()).toEqual([]);
      }
    }
  });

  it('warn without --strict, as fleet, and create the unit', async () => {
    const r = await h.fleetctl(['submit', 'typo.service']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${WARNING}\n`);
    expect(await units()).toEqual(['typo.service']);
  });
});

describe('plan and apply', () => {
  it('refuse with --strict before asking the API', async () => {
    for (const cmd of ['plan', 'apply']) {
      const r = await h.fleetctl(['--strict', cmd, 'dir']);
      expect(r).toEqual({ code: 1, stdout: '', stderr: `${REFUSED}\n` });
    }
    expect(await units()).toEqual([]);
  });

  it('show the warning without --strict', async () => {
    const r = await h.fleetctl(['plan', 'dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${WARNING}\n`);
  });
});
