// `-o json` of the commands that act on units (submit, load, start, stop, unload, destroy,
// restart): instead of fleet's text lines on stdout, one JSON array with an object per unit, in
// the order the units were given. Every object has the same keys:
//   unit      the unit's name
//   ok        whether the command did what it was asked for this unit
//   state     the state it reached or was set to (`launched`, `loaded`, `inactive`, `destroyed`),
//             or null when nothing was done
//   machines  the machines (full IDs) it was seen on when done; [] when not known or none
//   waited    whether the command waited for it (false with --no-block, for global units and
//             for units already in the requested state)
//   error     the reason it failed (the line printed on stderr), or null
// Warnings and errors still go to stderr as lines, as without -o json.
import type { Options } from 'yargs';
import type { Args, CommandSpec } from '../cli/command.js';
import type { Context } from '../cli/context.js';
import { OUTPUT_OPTION, parseFormat } from './format.js';
import { jsonText } from './rollout-view.js';

/** What became of one unit. */
export interface UnitResult {
  readonly unit: string;
  readonly ok: boolean;
  readonly state: string | null;
  readonly machines: readonly string[];
  readonly waited: boolean;
  readonly error: string | null;
}

/** What a step learnt about a unit; merged into its result. */
export type ResultPatch = Partial<Omit<UnitResult, 'unit'>>;

/** The results of one run, by unit, in the order units were first recorded. */
export class UnitResults {
  private readonly byUnit = new Map<string, UnitResult>();

  /**
   * Records what a step learnt: later steps override state, machines and waited; a failure
   * sticks (ok stays false and the first error is kept).
   */
  record(unit: string, patch: ResultPatch = {}): void {
    const prev = this.byUnit.get(unit) ?? {
      unit,
      ok: true,
      state: null,
      machines: [],
      waited: false,
      error: null,
    };
    this.byUnit.set(unit, {
      unit,
      ok: prev.ok && patch.ok !== false && (patch.error ?? null) === null,
      state: patch.state === undefined ? prev.state : patch.state,
      machines: patch.machines ?? prev.machines,
      waited: patch.waited ?? prev.waited,
      error: prev.error ?? patch.error ?? null,
    });
  }

  /** Every result, in order. */
  list(): UnitResult[] {
    return [...this.byUnit.values()];
  }
}

/** Records a step's result for a unit when the command runs with `-o json`. */
export function recordUnit(ctx: Context, unit: string, patch: ResultPatch = {}): void {
  ctx.results?.record(unit, patch);
}

/** Prints a unit's failure on stderr and records it. */
export function failUnit(ctx: Context, unit: string, line: string, error = line): void {
  ctx.err(line);
  recordUnit(ctx, unit, { ok: false, error });
}

/** `-o`/`--output` of the commands that act on units. */
export const RESULT_OUTPUT_OPTION: Readonly<Record<string, Options>> = {
  output: {
    ...OUTPUT_OPTION,
    describe: 'Output format: text or json (an array with one result object per unit)',
  },
};

/**
 * The command with `-o text|json`: with json, its text lines on stdout are left out and the
 * results are printed as one JSON array when it returns (not when it throws: then the error
 * line on stderr is the whole answer).
 */
export function withResults(spec: CommandSpec): CommandSpec {
  return {
    ...spec,
    usage: `${spec.usage} [-o|--output=text|json]`.trim(),
    options: { ...spec.options, ...RESULT_OUTPUT_OPTION },
    async run(ctx: Context, args: Args): Promise<number> {
      if (parseFormat(args.string('output'), 'text') === 'text') return spec.run(ctx, args);
      const results = new UnitResults();
      ctx.results = results;
      const code = await spec.run(ctx, args);
      ctx.io.stdout.write(jsonText(results.list()));
      return code;
    },
  };
}
