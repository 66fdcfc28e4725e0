// `fleetctl list-units`: what systemd reports for each unit on each machine.
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import { parseFields, parseOutputFormat, value, type Row } from '../output/fields.js';
import { machineLegend } from '../output/legend.js';
import { renderRows } from '../output/render.js';
import { LIST_OPTIONS } from './shared.js';

const FIELDS = ['active', 'hash', 'load', 'machine', 'sub', 'unit'];

/** The list-units command. */
export const listUnitsCommand: CommandSpec = {
  name: 'list-units',
  usage: '[-l|--full] [--no-legend] [--fields=LIST] [-o|--output=table|json]',
  summary: 'List the current state of units in the cluster',
  description:
    `One row per unit and machine, from the states machines publish. Fields: ${FIELDS.join(', ')}\n` +
    '(default unit,machine,active,sub).',
  options: {
    ...LIST_OPTIONS,
    fields: { type: 'string', default: 'unit,machine,active,sub', describe: 'Columns to print' },
  },
  async run(ctx, args) {
    const fields = parseFields(args.string('fields'), FIELDS);
    const format = parseOutputFormat(args.string('output'));
    const full = args.bool('full') || format === 'json';
    const api = await ctx.api();
    let states;
    try {
      states = await api.listUnitStates();
    } catch (err) {
      const why = oneLine(err);
      throw new CliError(`Error retrieving list of units from repository: ${why}`, {
        cause: err,
      });
    }
    const machines = fields.includes('machine') ? await ctx.machines() : new Map();
    const rows: Row[] = states.map((s) => ({
      unit: value(s.name),
      machine: value(
        machineLegend(machines.get(s.machineID) ?? { id: s.machineID }, full),
        s.machineID,
      ),
      active: value(s.systemdActiveState),
      sub: value(s.systemdSubState),
      load: value(s.systemdLoadState),
      hash: value(full ? s.hash : s.hash.slice(0, 7), s.hash),
    }));
    ctx.io.stdout.write(renderRows(rows, { fields, format, legend: args.bool('legend') }));
    return 0;
  },
};
