// The shape shared by the list commands (list-machines, list-units, list-unit-files): parse
// --fields and --output, fetch one collection from the API (a failure is one line, `<prefix>:
// <why>`), look up the machines when a row shows one, and render the rows as a table or JSON.
import type { FleetClient, WireMachine } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import { CliError } from '../cli/errors.js';
import { parseFields, parseOutputFormat, type Row } from '../output/fields.js';
import { renderRows } from '../output/render.js';
import { LIST_OPTIONS } from './shared.js';

/** What a row is rendered with. */
export interface ListView {
  /** `--full` (or JSON): whole IDs and hashes. */
  readonly full: boolean;
  /** Live machines by ID; empty unless the command's `needsMachines` said so. */
  readonly machines: ReadonlyMap<string, WireMachine>;
}

/** One list command. */
export interface ListCommand<T> {
  readonly name: string;
  readonly summary: string;
  /** Longer help text (the fields and their default, what they show). */
  readonly description: string;
  /** Every field, for `--fields`. */
  readonly fields: readonly string[];
  /** `--fields`' default, e.g. `machine,ip,metadata`. */
  readonly defaultFields: string;
  /** The line a failed fetch is reported with, before `: <why>`. */
  readonly errorPrefix: string;
  readonly fetch: (api: FleetClient) => Promise<readonly T[]>;
  /** Whether the rows need the machine list (fetched once, after the collection). */
  readonly needsMachines?: (items: readonly T[], fields: readonly string[]) => boolean;
  /**
   * Whether these fields alone need the machine list: then it is fetched beside the collection,
   * at once (one round trip of latency instead of two), and `needsMachines` is not asked.
   */
  readonly machinesForFields?: (fields: readonly string[]) => boolean;
  /** A warning to print for these fields (before anything is fetched). */
  readonly warning?: (fields: readonly string[]) => string | undefined;
  /** Fields added to the default ones (not to a given --fields) for these items, e.g. `reason`. */
  readonly autoFields?: (items: readonly T[]) => readonly string[];
  readonly row: (item: T, view: ListView) => Row;
}

/** The command for a list. */
export function listCommand<T>(list: ListCommand<T>): CommandSpec {
  return {
    name: list.name,
    usage: '[-l|--full] [--no-legend] [--fields=LIST] [-o|--output=table|json]',
    summary: list.summary,
    description: list.description,
    options: {
      ...LIST_OPTIONS,
      fields: { type: 'string', default: list.defaultFields, describe: 'Columns to print' },
    },
    async run(ctx, args) {
      const fields = parseFields(args.string('fields'), list.fields);
      const format = parseOutputFormat(args.string('output'));
      const full = args.bool('full') || format === 'json';
      const warning = list.warning?.(fields);
      if (warning !== undefined) ctx.err(warning);
      const api = await ctx.api();
      const ahead = list.machinesForFields?.(fields) === true ? ctx.machines() : undefined;
      // Awaited below once the collection is in; a failed collection is the error to report.
      ahead?.catch(() => undefined);
      let items: readonly T[];
      try {
        items = await list.fetch(api);
      } catch (err) {
        throw new CliError(`${list.errorPrefix}: ${oneLine(err)}`, { cause: err });
      }
      const machines =
        ahead !== undefined
          ? await ahead
          : list.needsMachines?.(items, fields) === true
            ? await ctx.machines()
            : new Map();
      const rows = items.map((item) => list.row(item, { full, machines }));
      const shown = withAutoFields(list, fields, args.string('fields'), items);
      ctx.io.stdout.write(renderRows(rows, { fields: shown, format, legend: args.bool('legend') }));
      return 0;
    },
  };
}

/** `fields`, and the list's automatic fields when `--fields` is the default one. */
function withAutoFields<T>(
  list: ListCommand<T>,
  fields: readonly string[],
  given: string,
  items: readonly T[],
): readonly string[] {
  if (given !== list.defaultFields || list.autoFields === undefined) return fields;
  return [...fields, ...list.autoFields(items).filter((f) => !fields.includes(f))];
}
