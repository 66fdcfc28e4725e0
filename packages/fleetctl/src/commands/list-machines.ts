// `fleetctl list-machines`: the live machines, with health columns when the API reports them.
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import { parseFields, parseOutputFormat, value, type Row } from '../output/fields.js';
import { HEALTH_FIELDS, healthCells } from '../output/health.js';
import { machineIdLegend } from '../output/legend.js';
import { renderRows } from '../output/render.js';
import { LIST_OPTIONS } from './shared.js';

const FIELDS = ['machine', 'ip', 'metadata', ...HEALTH_FIELDS];

/** The list-machines command. */
export const listMachinesCommand: CommandSpec = {
  name: 'list-machines',
  usage: '[-l|--full] [--no-legend] [--fields=LIST] [-o|--output=table|json]',
  summary: 'Enumerate the current hosts in the cluster',
  description:
    `Fields: ${FIELDS.join(', ')} (default machine,ip,metadata). The health fields show what\n` +
    'the machines report: load averages, used/total memory and disk of /, systemd state,\n' +
    'fleetd version and uptime; "-" when not reported.',
  options: {
    ...LIST_OPTIONS,
    fields: { type: 'string', default: 'machine,ip,metadata', describe: 'Columns to print' },
  },
  async run(ctx, args) {
    const fields = parseFields(args.string('fields'), FIELDS);
    const format = parseOutputFormat(args.string('output'));
    const full = args.bool('full') || format === 'json';
    const api = await ctx.api();
    let machines;
    try {
      machines = await api.listMachines();
    } catch (err) {
      const why = oneLine(err);
      throw new CliError(`Error retrieving list of active machines: ${why}`, { cause: err });
    }
    const rows: Row[] = machines.map((m) => {
      const meta = m.metadata ?? {};
      const keys = Object.keys(meta).sort();
      return {
        machine: value(machineIdLegend(m.id, full), m.id),
        ip: value(m.primaryIP),
        metadata: value(keys.map((k) => `${k}=${meta[k] ?? ''}`).join(','), meta),
        ...healthCells(m.health, m.version),
      };
    });
    ctx.io.stdout.write(renderRows(rows, { fields, format, legend: args.bool('legend') }));
    return 0;
  },
};
