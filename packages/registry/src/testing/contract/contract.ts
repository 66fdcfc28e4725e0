// The Registry contract: one suite, run against every implementation (InMemoryRegistry in
// the unit project, EtcdRegistry against a real etcd in the integration project).
import { afterEach, beforeEach, describe } from 'vitest';
import { applyContract } from './apply.contract.js';
import { engineContract } from './engine.contract.js';
import { eventContract } from './events.contract.js';
import { handOverContract } from './handover.contract.js';
import type { ContractHarness, HarnessFactory } from './harness.js';
import { machineAdminContract } from './machine-admin.contract.js';
import { machineContract } from './machines.contract.js';
import { maintenanceContract } from './maintenance.contract.js';
import { placementContract } from './placement.contract.js';
import { rolloutContract } from './rollouts.contract.js';
import { unitContract } from './units.contract.js';
import { watchContract } from './watches.contract.js';

export type { ContractHarness, HarnessFactory } from './harness.js';

/** Declares the contract suite for one implementation; each test gets a fresh harness. */
export function registryContract(name: string, factory: HarnessFactory): void {
  describe(`Registry contract: ${name}`, () => {
    let harness: ContractHarness | undefined;
    const h = (): ContractHarness => {
      if (harness === undefined) throw new Error('no harness: beforeEach did not run');
      return harness;
    };
    beforeEach(async () => {
      harness = await factory();
    });
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });
    describe('units', () => unitContract(h));
    describe('apply', () => applyContract(h));
    describe('engine', () => engineContract(h));
    describe('machines', () => machineContract(h));
    describe('hand-over', () => handOverContract(h));
    describe('placement', () => placementContract(h));
    describe('watches', () => watchContract(h));
    describe('rollouts', () => rolloutContract(h));
    describe('events', () => eventContract(h));
    describe('maintenance', () => maintenanceContract(h));
    describe('machine-admin', () => machineAdminContract(h));
  });
}
