// The Systemd contract: one suite, run against every implementation (FakeSystemd in the unit
// project, DbusSystemd against a real systemd in a systemd-nspawn machine in the e2e project).
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe } from 'vitest';
import { cleanUp, type ContractContext } from './contract/context.js';
import { errorsContract } from './contract/errors.contract.js';
import { filesContract } from './contract/files.contract.js';
import type { SystemdHarness, SystemdHarnessFactory } from './contract/harness.js';
import { lifecycleContract } from './contract/lifecycle.contract.js';
import { reloadContract } from './contract/reload.contract.js';
import { statesContract } from './contract/states.contract.js';

export type { HarnessTime, SystemdHarness, SystemdHarnessFactory } from './contract/harness.js';
export { ChangeRecorder, waitForState, waitUntil } from './contract/wait.js';

/** Declares the contract suite for one implementation; each test gets a fresh harness. */
export function systemdContract(name: string, factory: SystemdHarnessFactory): void {
  describe(`Systemd contract: ${name}`, () => {
    const run = randomBytes(3).toString('hex');
    let counter = 0;
    let harness: SystemdHarness | undefined;
    let names: string[] = [];
    const ctx: ContractContext = {
      h: () => {
        if (harness === undefined) throw new Error('no harness: beforeEach did not run');
        return harness;
      },
      unit: (label, type = 'service') => {
        const unitName = `fc-${run}-${++counter}-${label}.${type}`;
        names.push(unitName);
        return unitName;
      },
    };
    beforeEach(async () => {
      names = [];
      harness = await factory();
    });
    afterEach(async () => {
      const h = harness;
      harness = undefined;
      if (h === undefined) return;
      await cleanUp(h.systemd, names);
      await h.close();
    });
    describe('unit files', () => filesContract(ctx));
    describe('lifecycle', () => lifecycleContract(ctx));
    describe('daemon-reload', () => reloadContract(ctx));
    describe('states and changes', () => statesContract(ctx));
    describe('errors', () => errorsContract(ctx));
  });
}
