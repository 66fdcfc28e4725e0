// `fleetctl apply FILE|DIR...`: makes the cluster's units match the files in one guarded write
// (POST /fleet/x/apply); with --wait, follows what changed until it is live (block/apply-wait.ts).
import { unitHash } from '@fleet/unit';
import type { CommandSpec } from '../cli/command.js';
import { parseDuration } from '../cli/duration.js';
import { UsageError } from '../cli/errors.js';
import { groupOf } from '@fleet/unit';
import { rolloutsBefore, waitApplied, type WaitTarget } from '../block/apply-wait.js';
import { readUnitSet } from '../units/unit-set.js';
import { DEPLOY_OPTIONS, deployCall, jsonOutput, planRequest, printPlan } from './plan.js';

/** The apply command. */
export const applyCommand: CommandSpec = {
  name: 'apply',
  usage: '[--prune] [--check-revision R] [--wait] [--wait-timeout 10m] [-o json] FILE|DIR...',
  summary: 'Make the units in the cluster match the given unit files',
  description:
    'Creates, replaces and starts the given units (templates are stored, not started) and, with\n' +
    '--prune, destroys every unit not given, all in one write. A second apply of the same files\n' +
    'changes nothing. --check-revision R (from plan) refuses if any unit changed after R.\n' +
    '--wait follows what changed until every changed unit is active with its new version and\n' +
    'its rollout succeeded (exit 0), or until it failed, was rolled back or --wait-timeout passed\n' +
    '(exit 1, with the reason).',
  positional: '[units..]',
  options: {
    ...DEPLOY_OPTIONS,
    'check-revision': {
      type: 'string',
      describe: 'Refuse if a unit changed after this revision (the one plan printed)',
    },
    wait: { type: 'boolean', default: false, describe: 'Wait until the changes are live' },
    'wait-timeout': {
      type: 'string',
      default: '10m',
      describe: 'How long --wait waits (90s, 10m, 1h)',
    },
  },
  async run(ctx, args) {
    const json = jsonOutput(args);
    const check = args.string('check-revision');
    if (check !== '' && !/^(0|[1-9][0-9]{0,18})$/.test(check)) {
      throw new UsageError(
        `--check-revision must be a revision (digits), got ${JSON.stringify(check)}`,
      );
    }
    const timeoutText = args.string('wait-timeout');
    const timeoutMs = parseDuration('wait-timeout', timeoutText);
    const wait = args.bool('wait');
    const units = readUnitSet(ctx, args.operands('units'));
    const api = await ctx.api();
    const before = wait
      ? await deployCall('reading rollouts', () =>
          rolloutsBefore(
            api,
            units.map((u) => groupOf(u.name)),
          ),
        )
      : new Map<string, number>();
    const req = planRequest(units, args.bool('prune'));
    const plan = await deployCall('applying', () =>
      api.apply(check === '' ? req : { ...req, checkRevision: check }),
    );
    printPlan(ctx, plan, json, true);
    if (!wait) return 0;
    const options = new Map(units.map((u) => [u.name, u.options]));
    const targets: WaitTarget[] = plan.changes.flatMap((c) =>
      (c.action === 'create' || c.action === 'replace' || c.action === 'start') &&
      c.desiredState === 'launched'
        ? [
            {
              name: c.name,
              hash: unitHash(options.get(c.name) ?? []),
              replaced: c.action === 'replace',
            },
          ]
        : [],
    );
    const failed = await deployCall('waiting', () =>
      waitApplied(ctx, api, targets, before, { ms: timeoutMs, text: timeoutText }),
    );
    if (failed !== undefined) {
      ctx.err(`Error: ${failed}`);
      return 1;
    }
    ctx.err(`All changes are live: ${targets.length} units active with their new version.`);
    return 0;
  },
};
