// `fleetctl list-unit-files`: the units in the cluster, their desired and current state and
// where they are scheduled.
import { shortHash, unitDescription, unitHash } from '@fleet/unit';
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import { isGlobal } from '../block/judge.js';
import { parseFields, parseOutputFormat, value, type Row } from '../output/fields.js';
import { machineLegend } from '../output/legend.js';
import { renderRows } from '../output/render.js';
import { LIST_OPTIONS } from './shared.js';

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
export const listUnitFilesCommand: CommandSpec = {
  name: 'list-unit-files',
  usage: '[-l|--full] [--no-legend] [--fields=LIST] [-o|--output=table|json]',
  summary: 'List the units that exist in the cluster',
  description:
    `Fields: ${FIELDS.join(', ')} (default unit,hash,dstate,state,target). "reason" is why\n` +
    'the scheduler placed the unit where it did, or why it cannot. "tmachine" is deprecated.',
  options: {
    ...LIST_OPTIONS,
    fields: {
      type: 'string',
      default: 'unit,hash,dstate,state,target',
      describe: 'Columns to print',
    },
  },
  async run(ctx, args) {
    const fields = parseFields(args.string('fields'), FIELDS);
    const format = parseOutputFormat(args.string('output'));
    const full = args.bool('full') || format === 'json';
    if (fields.includes('tmachine')) {
      ctx.err('WARNING: the "tmachine" field is deprecated; use "target" instead.');
    }
    const api = await ctx.api();
    let units;
    try {
      units = await api.listUnits();
    } catch (err) {
      const why = oneLine(err);
      throw new CliError(`Error retrieving list of units from repository: ${why}`, {
        cause: err,
      });
    }
    const machines = units.some((u) => u.machineID !== undefined)
      ? await ctx.machines()
      : new Map();
    const rows: Row[] = units.map((u) => {
      const global = isGlobal(u);
      const hash = unitHash(u.options);
      const where =
        u.machineID === undefined
          ? value(undefined)
          : value(
              machineLegend(machines.get(u.machineID) ?? { id: u.machineID }, full),
              u.machineID,
            );
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
    });
    ctx.io.stdout.write(renderRows(rows, { fields, format, legend: args.bool('legend') }));
    return 0;
  },
};
