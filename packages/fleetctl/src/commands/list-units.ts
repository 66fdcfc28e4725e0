// `fleetctl list-units`: what systemd reports for each unit on each machine.
import type { WireUnitState } from '@fleet/client';
import { value } from '../output/fields.js';
import { machineLegend } from '../output/legend.js';
import { listCommand } from './list-command.js';

const FIELDS = ['active', 'hash', 'health', 'load', 'machine', 'sub', 'unit'];

/** The list-units command. */
export const listUnitsCommand = listCommand<WireUnitState>({
  name: 'list-units',
  summary: 'List the current state of units in the cluster',
  description:
    `One row per unit and machine, from the states machines publish. Fields: ${FIELDS.join(', ')}\n` +
    '(default unit,machine,active,sub).',
  fields: FIELDS,
  defaultFields: 'unit,machine,active,sub',
  errorPrefix: 'Error retrieving list of units from repository',
  fetch: (api) => api.listUnitStates(),
  machinesForFields: (fields) => fields.includes('machine'),
  row: (s, { full, machines }) => ({
    unit: value(s.name),
    machine: value(
      machineLegend(machines.get(s.machineID) ?? { id: s.machineID }, full),
      s.machineID,
    ),
    active: value(s.systemdActiveState),
    sub: value(s.systemdSubState),
    load: value(s.systemdLoadState),
    hash: value(full ? s.hash : s.hash.slice(0, 7), s.hash),
    health: value(s.health?.status),
  }),
});
