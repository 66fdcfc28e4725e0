// `fleetctl list-unit-files`: the units in the cluster, their desired and current state and
// where they are scheduled.
import type { WireUnit } from '@fleet/client';
import { shortHash, unitDescription, unitHash } from '@fleet/unit';
import { isGlobal } from '../block/judge.js';
import { value } from '../output/fields.js';
import { machineLegend } from '../output/legend.js';
import { listCommand } from './list-command.js';

const FIELDS = [
  'desc',
  'dstate',
  'global',
  'hash',
  'reason',
  'state',
  'target',
  'tmachine',
  'unit',
];

/** The list-unit-files command. */
export const listUnitFilesCommand = listCommand<WireUnit>({
  name: 'list-unit-files',
  summary: 'List the units that exist in the cluster',
  description:
    `Fields: ${FIELDS.join(', ')} (default unit,hash,dstate,state,target). "reason" is why\n` +
    'the scheduler placed the unit where it did, or why it cannot. "tmachine" is deprecated.',
  fields: FIELDS,
  defaultFields: 'unit,hash,dstate,state,target',
  errorPrefix: 'Error retrieving list of units from repository',
  warning: (fields) =>
    fields.includes('tmachine')
      ? 'WARNING: the "tmachine" field is deprecated; use "target" instead.'
      : undefined,
  fetch: (api) => api.listUnits(),
  // The engine keeps a reason only for a unit it cannot place (everywhere, for a global unit).
  autoFields: (units) => (units.some((u) => u.reason !== undefined) ? ['reason'] : []),
  needsMachines: (units) => units.some((u) => u.machineID !== undefined),
  row: (u, { full, machines }) => {
    const global = isGlobal(u);
    const hash = unitHash(u.options);
    const where =
      u.machineID === undefined
        ? value(undefined)
        : value(machineLegend(machines.get(u.machineID) ?? { id: u.machineID }, full), u.machineID);
    return {
      unit: value(u.name),
      hash: value(full ? hash : shortHash(hash), hash),
      dstate: value(u.desiredState),
      state: global ? value(undefined) : value(u.currentState),
      target: global ? value('global') : where,
      tmachine: global ? value(undefined) : where,
      global: value(String(global), global),
      desc: value(unitDescription(u.options)),
      reason: value(u.reason),
    };
  },
});
