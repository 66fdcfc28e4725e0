// `fleetctl list-machines`: the live machines, with health columns when the API reports them, and
// each machine's administrative state (docs/operating.md) from /fleet/x/machines.
import { machineStateWord, type FleetClient, type WireMachine } from '@fleet/client';
import { value } from '../output/fields.js';
import { HEALTH_FIELDS, healthCells } from '../output/health.js';
import { machineIdLegend } from '../output/legend.js';
import { listCommand } from './list-command.js';

const FIELDS = ['machine', 'ip', 'metadata', 'state', ...HEALTH_FIELDS];

type Listed = WireMachine & { readonly state: string };

/** The live machines with their state word (`-` where fleetd does not know cordons). */
async function machinesWithState(api: FleetClient): Promise<Listed[]> {
  const [machines, admin] = await Promise.all([
    api.listMachines(),
    api.listAdminMachines().catch(() => undefined),
  ]);
  const byId = new Map((admin ?? []).map((m) => [m.id, m]));
  return machines.map((m) => ({
    ...m,
    state: admin === undefined ? '-' : machineStateWord(byId.get(m.id)),
  }));
}

/** The list-machines command. */
export const listMachinesCommand = listCommand<Listed>({
  name: 'list-machines',
  summary: 'Enumerate the current hosts in the cluster',
  description:
    `Fields: ${FIELDS.join(', ')} (default machine,ip,metadata,state). state is\n` +
    'schedulable, cordoned, draining or drained (fleetctl machine). The health fields show what\n' +
    'the machines report: load averages, used/total memory and disk of /, systemd state,\n' +
    'fleetd version and uptime; "-" when not reported.',
  fields: FIELDS,
  defaultFields: 'machine,ip,metadata,state',
  errorPrefix: 'Error retrieving list of active machines',
  fetch: machinesWithState,
  row: (m, { full }) => {
    const meta = m.metadata ?? {};
    const keys = Object.keys(meta).sort();
    return {
      machine: value(machineIdLegend(m.id, full), m.id),
      ip: value(m.primaryIP),
      metadata: value(keys.map((k) => `${k}=${meta[k] ?? ''}`).join(','), meta),
      state: value(m.state),
      ...healthCells(m.health, m.version),
    };
  },
});
