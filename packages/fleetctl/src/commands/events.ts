// `fleetctl events [--follow] [--after ID] [-o json]`: the cluster event log (docs/deploys.md
// "Events"), oldest first; with --follow, then every new event until Ctrl-C (exit 0).
import type { FleetClient, WireEvent } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, UsageError } from '../cli/errors.js';
import { TABLE_OUTPUT_OPTION } from '../output/format.js';
import { parseOutputFormat, type OutputFormat } from '../output/fields.js';
import { machineIdLegend } from '../output/legend.js';

/** One line of human output: time, kind, unit/machine, message. */
export function eventLine(e: WireEvent): string {
  const machine = e.machineId === undefined ? undefined : machineIdLegend(e.machineId, false);
  const subject = [e.unit, machine].filter((s) => s !== undefined).join('/') || '-';
  return `${e.time}  ${e.kind.padEnd(17)}  ${subject}  ${e.message}`;
}

function printer(ctx: Context, format: OutputFormat): (e: WireEvent) => void {
  return format === 'json' ? (e) => ctx.out(JSON.stringify(e)) : (e) => ctx.out(eventLine(e));
}

/** Until Ctrl-C (SIGINT) or SIGTERM: the signal that ends a --follow, and what stops listening. */
function untilInterrupted(): { signal: AbortSignal; done: () => void } {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    signal: stop.signal,
    done: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function follow(
  ctx: Context,
  api: FleetClient,
  after: string | undefined,
  print: (e: WireEvent) => void,
) {
  const { signal, done } = untilInterrupted();
  try {
    for await (const e of api.followEvents({ ...(after === undefined ? {} : { after }), signal })) {
      print(e);
    }
  } finally {
    done();
  }
  if (!signal.aborted) throw new CliError('fleetd ended the event stream (it may be restarting)');
  ctx.debug('events: interrupted');
}

/** The events command. */
export const eventsCommand: CommandSpec = {
  name: 'events',
  usage: '[-f|--follow] [--after ID] [-o|--output=table|json]',
  summary: 'Print the cluster event log (placements, starts, failures, machines, rollouts)',
  description:
    'Events are listed oldest first: time, kind, unit/machine, message. --after ID prints only\n' +
    'the events after the one with that ID (IDs are in -o json). --follow then prints each new\n' +
    'event as it happens until Ctrl-C. -o json prints one JSON object per line.',
  options: {
    follow: { type: 'boolean', default: false, alias: 'f', describe: 'Keep printing new events' },
    after: { type: 'string', describe: 'Only events after this event ID' },
    output: TABLE_OUTPUT_OPTION,
  },
  async run(ctx, args) {
    const format = parseOutputFormat(args.string('output'));
    const afterText = args.string('after');
    if (afterText !== '' && !/^[0-9]{1,19}$/.test(afterText)) {
      throw new UsageError(
        `--after must be an event ID (digits), got ${JSON.stringify(afterText)}`,
      );
    }
    const after = afterText === '' ? undefined : afterText;
    const print = printer(ctx, format);
    const api = await ctx.api();
    try {
      if (args.bool('follow')) await follow(ctx, api, after, print);
      else
        for (const e of (await api.listEvents(after === undefined ? {} : { after })).events)
          print(e);
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`Error retrieving events: ${oneLine(err)}`, { cause: err });
    }
    return 0;
  },
};
