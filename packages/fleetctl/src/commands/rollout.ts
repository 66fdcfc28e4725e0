// `fleetctl rollout status|history|undo|pause|resume NAME`: a group's rolling updates
// (docs/deploys.md). NAME is the group (`web@.service`) or any unit of it (`web@3.service`).
import type { FleetClient, WireRollout } from '@fleet/client';
import { shortHash } from '@fleet/unit';
import type { Args, CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { CliError, explained, UsageError } from '../cli/errors.js';
import { TABLE_OUTPUT_OPTION } from '../output/format.js';
import { parseOutputFormat, type OutputFormat } from '../output/fields.js';
import { jsonText, renderHistory, renderStatus } from '../output/rollout-view.js';
import { latestOf, watchRollout } from './rollout-watch.js';

const ACTIONS = ['status', 'history', 'undo', 'pause', 'resume'] as const;
type Action = (typeof ACTIONS)[number];

/** What one invocation asks. */
interface Request {
  readonly action: Action;
  readonly name: string;
  readonly format: OutputFormat;
  readonly full: boolean;
}

function parseRequest(args: Args): Request {
  const words = args.operands('words');
  const [action, name, ...extra] = words;
  if (action === undefined) throw new UsageError(`rollout needs an action: ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(
      `unknown rollout action ${JSON.stringify(action)} (expected ${ACTIONS.join(', ')})`,
    );
  }
  if (name === undefined || name === '') throw new UsageError(`rollout ${action} needs a NAME`);
  if (extra.length > 0) throw new UsageError(`rollout ${action} takes one NAME`);
  if (args.bool('watch') && action !== 'status') {
    throw new UsageError('--watch only goes with rollout status');
  }
  const format = parseOutputFormat(args.string('output'));
  return { action: action as Action, name, format, full: args.bool('full') || format === 'json' };
}

/** Runs an API call; a refusal is one line naming what failed. */
async function records(api: FleetClient, name: string): Promise<readonly WireRollout[]> {
  const got = await explained(`Error retrieving rollouts of ${name}`, () => api.getRollout(name));
  if (got === undefined) throw new CliError(`${name} has never been rolled out`);
  return [...(got.current === null ? [] : [got.current]), ...got.history];
}

async function status(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const r = latestOf(await records(api, req.name));
  ctx.io.stdout.write(req.format === 'json' ? jsonText(r) : renderStatus(r, req.full));
  return 0;
}

async function history(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const all = await records(api, req.name);
  ctx.io.stdout.write(req.format === 'json' ? jsonText(all) : renderHistory(all, req.full));
  return 0;
}

async function setState(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const pause = req.action === 'pause';
  const r = await explained(
    `Error ${pause ? 'pausing' : 'resuming'} the rollout of ${req.name}`,
    () => (pause ? api.pauseRollout(req.name) : api.resumeRollout(req.name)),
  );
  if (req.format === 'json') ctx.io.stdout.write(jsonText(r));
  else ctx.out(`${pause ? 'Paused' : 'Resumed'} rollout ${r.id} of ${r.group}`);
  return 0;
}

async function undo(ctx: Context, api: FleetClient, req: Request): Promise<number> {
  const u = await explained(`Error undoing the rollout of ${req.name}`, () =>
    api.undoRollout(req.name),
  );
  if (req.format === 'json') {
    ctx.io.stdout.write(jsonText(u));
  } else {
    const n = u.units.length;
    ctx.out(
      `Rolling ${u.group} back from ${shortHash(u.fromHash)} to ${shortHash(u.toHash)} ` +
        `(${n} unit${n === 1 ? '' : 's'}); follow it with: fleetctl rollout status --watch ${u.group}`,
    );
  }
  return 0;
}

/** The rollout command. */
export const rolloutCommand: CommandSpec = {
  name: 'rollout',
  usage: 'status|history|undo|pause|resume NAME [--watch] [-l|--full] [-o|--output=table|json]',
  summary: 'Show, pause, resume or undo the rolling update of a unit or template',
  description:
    'NAME is a rollout group (a template such as web@.service, or a unit) or any unit of it\n' +
    '(web@3.service means web@.service).\n' +
    'status: the current rollout (or the last one): state, versions, progress and each copy;\n' +
    'with --watch it follows the rollout until it finishes and exits 1 unless it succeeded.\n' +
    'history: the current and the last 10 finished rollouts, newest first.\n' +
    'pause: hold new waves of a running rollout (copies in flight finish). resume: continue it.\n' +
    'undo: roll back to the version before the current one.',
  positional: '[words..]',
  options: {
    watch: {
      type: 'boolean',
      default: false,
      alias: 'w',
      describe: 'With status: follow the rollout until it finishes',
    },
    full: {
      type: 'boolean',
      default: false,
      alias: 'l',
      describe: 'Do not ellipsize fields (full machine IDs and hashes)',
    },
    output: TABLE_OUTPUT_OPTION,
  },
  async run(ctx, args) {
    const req = parseRequest(args);
    const api = await ctx.api();
    switch (req.action) {
      case 'status':
        return args.bool('watch')
          ? watchRollout(ctx, req, () => records(api, req.name))
          : status(ctx, api, req);
      case 'history':
        return history(ctx, api, req);
      case 'pause':
      case 'resume':
        return setState(ctx, api, req);
      case 'undo':
        return undo(ctx, api, req);
    }
  },
};
