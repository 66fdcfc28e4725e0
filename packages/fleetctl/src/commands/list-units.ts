// `fleetctl list-units`: what systemd reports for each unit on each machine, and a row with
// machine `-` for each unit that should run and no machine has (with the scheduler's reason).
import { value } from '../output/fields.js';
import { machineLegend } from '../output/legend.js';
import { statesAndUnplaced, type UnitStateRow } from '../units/unscheduled.js';
import { listCommand } from './list-command.js';

const FIELDS = ['active', 'hash', 'health', 'load', 'machine', 'reason', 'sub', 'unit'];

/** The list-units command. */
export const listUnitsCommand = listCommand<UnitStateRow>({
  name: 'list-units',
  summary: 'List the current state of units in the cluster',
  description:
    `One row per unit and machine, from the states machines publish. Fields: ${FIELDS.join(', ')}\n` +
    '(default unit,machine,active,sub). A unit that should run and is on no machine has a row with\n' +
    'machine "-" and "reason", why no machine can take it; the default fields then add "reason".',
  fields: FIELDS,
  defaultFields: 'unit,machine,active,sub',
  errorPrefix: 'Error retrieving list of units from repository',
  fetch: (api) => statesAndUnplaced(api),
  machinesForFields: (fields) => fields.includes('machine'),
  autoFields: (rows) => (rows.some((r) => r.reason !== undefined) ? ['reason'] : []),
  row: (s, { full, machines }) => ({
    unit: value(s.name),
    machine:
      s.machineID === ''
        ? value(undefined)
        : value(machineLegend(machines.get(s.machineID) ?? { id: s.machineID }, full), s.machineID),
    active: value(s.systemdActiveState),
    sub: value(s.systemdSubState),
    load: value(s.systemdLoadState),
    hash: value(full ? s.hash : s.hash.slice(0, 7), s.hash),
    health: value(s.health?.status),
    reason: value(s.reason),
  }),
});
