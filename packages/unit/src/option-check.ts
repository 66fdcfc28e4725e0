// Options that must not reach a unit file: those whose file would say something else to systemd
// (or to fleet reading it back) than the options say.
import { UnitError } from './errors.js';
import { goTrim, isGoSpace } from './go-space.js';
import type { UnitOption } from './option.js';

const PRINTABLE_LABEL = /^[A-Za-z0-9_.@:-]+$/;

/** `Service.ExecStart`, quoting parts that are not plain words. */
function label(option: UnitOption): string {
  const part = (s: string) => (PRINTABLE_LABEL.test(s) ? s : JSON.stringify(s));
  return `${part(option.section)}.${part(option.name)}`;
}

function hasSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isGoSpace(s.charCodeAt(i))) return true;
  return false;
}

/** Why the value cannot be written as one option line (with `\` continuations), or `undefined`. */
function valueProblem(value: string): string | undefined {
  if (value.includes('\r')) return 'value contains a carriage return';
  for (let nl = value.indexOf('\n'); nl !== -1; nl = value.indexOf('\n', nl + 1)) {
    // A newline is only kept in a value as part of a `\` continuation, as the parser reads one.
    if (value[nl - 1] !== '\\') return 'value contains a newline';
    const end = value.indexOf('\n', nl + 1);
    const next = goTrim(value.slice(nl + 1, end === -1 ? undefined : end));
    if (next === '') return 'value contains a blank continuation line';
    if (next.startsWith('#') || next.startsWith(';')) {
      return 'value continues onto a line systemd skips as a comment';
    }
  }
  if (goTrim(value).endsWith('\\')) {
    return 'value ends in a backslash, which would join the next line to it';
  }
  return undefined;
}

/** Why one option cannot be written to a unit file as it is, or `undefined`. */
function optionProblem(option: UnitOption): string | undefined {
  if (/[\r\n]/.test(option.section)) return 'section contains a line break';
  if (/[\r\n]/.test(option.name)) return 'name contains a line break';
  if (hasSpace(option.name)) return 'name contains whitespace';
  if (option.name.includes('=')) return 'name contains "="';
  return valueProblem(option.value);
}

/**
 * Refuses options whose unit file would not say what they say. The agent writes
 * `serializeUnitOptions(options)`; systemd (and fleet reading the file back) must see the same
 * options. A line break in a section, name or value (other than a `\` continuation) or a value
 * ending in `\` would split or join lines; whitespace in a name would be trimmed away. Values may
 * keep leading and trailing whitespace: fleet accepted that, systemd trims it, and the unit is
 * hashed as given.
 *
 * @throws {@link UnitError} `UNIT_OPTIONS_INVALID`: `option Service.ExecStart: value contains a newline`
 */
export function checkOptionsWritable(options: readonly UnitOption[]): void {
  for (const option of options) {
    const problem = optionProblem(option);
    if (problem !== undefined) {
      throw new UnitError('UNIT_OPTIONS_INVALID', `option ${label(option)}: ${problem}`);
    }
  }
}

/**
 * Checks that the options read back from their file are the options (values up to surrounding
 * whitespace), in the file's order: sections grouped in order of first appearance.
 */
export function checkReadBack(
  options: readonly UnitOption[],
  readBack: readonly UnitOption[],
): void {
  const order = [...new Set(options.map((o) => o.section))];
  const grouped = order.flatMap((s) => options.filter((o) => o.section === s));
  for (let i = 0; i < Math.max(grouped.length, readBack.length); i++) {
    const want = grouped[i];
    const got = readBack[i];
    if (
      want === undefined ||
      got === undefined ||
      want.section !== got.section ||
      want.name !== got.name ||
      goTrim(want.value) !== got.value
    ) {
      const which = want ?? got;
      throw new UnitError(
        'UNIT_OPTIONS_INVALID',
        `option ${which === undefined ? '?' : label(which)}: it would not read back the same from its unit file`,
      );
    }
  }
}
