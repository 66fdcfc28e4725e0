// `fleetctl list-machines`: the live machines, with health columns when the API reports them.
import type { WireMachine } from '@fleet/client';
import { value } from '../output/fields.js';
import { HEALTH_FIELDS, healthCells } from '../output/health.js';
import { machineIdLegend } from '../output/legend.js';
import { listCommand } from './list-command.js';

const FIELDS = ['machine', 'ip', 'metadata', ...HEALTH_FIELDS];

/** The list-machines command. */
export const listMachinesCommand = listCommand<WireMachine>({
  name: 'list-machines',
  summary: 'Enumerate the current hosts in the cluster',
  description:
    `Fields: ${FIELDS.join(', ')} (default machine,ip,metadata). The health fields show what\n` +
    'the machines report: load averages, used/total memory and disk of /, systemd state,\n' +
    'fleetd version and uptime; "-" when not reported.',
  fields: FIELDS,
  defaultFields: 'machine,ip,metadata',
  errorPrefix: 'Error retrieving list of active machines',
  fetch: (api) => api.listMachines(),
  row: (m, { full }) => {
    const meta = m.metadata ?? {};
    const keys = Object.keys(meta).sort();
    return {
      machine: value(machineIdLegend(m.id, full), m.id),
      ip: value(m.primaryIP),
      metadata: value(keys.map((k) => `${k}=${meta[k] ?? ''}`).join(','), meta),
      ...healthCells(m.health, m.version),
    };
  },
});
