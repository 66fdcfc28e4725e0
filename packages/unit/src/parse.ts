// The unit-file parser: go-systemd's unit.Deserialize as fleet vendored it, made strict
// where go-systemd silently accepted nonsense (text before the first section, unknown
// sections, a section header spanning lines).
import { UnitError } from './errors.js';
import type { UnitErrorCode } from './errors.js';
import { goTrim, goTrimStart } from './go-space.js';
import { MAX_LINE_BYTES } from './limits.js';
import type { UnitOption } from './option.js';
import { isKnownSection } from './sections.js';
import { decodeUnitText, utf8Length } from './text.js';

/** A value being read across backslash-continued lines. */
interface PendingValue {
  readonly name: string;
  text: string;
}

function fail(code: UnitErrorCode, line: number, message: string): UnitError {
  return new UnitError(code, `line ${line}: ${message}`, { line });
}

/** A short, quoted rendering of a line for error messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/** A comment continues onto the next line when it ends in `\` (one trailing space allowed). */
function commentContinues(line: string): boolean {
  const trimmed = line.endsWith(' ') ? line.slice(0, -1) : line;
  return trimmed.endsWith('\\');
}

/**
 * Parses a unit file into its ordered options, exactly as fleet reads unit files:
 *
 * - `#` and `;` start comment lines; a comment ending in `\` also comments out the next line;
 * - `[Section]` starts a section; text after `]` is an error, and so is an unknown section
 *   (systemd's own sections and any `X-` section are accepted);
 * - `Name=Value` lines, both sides trimmed; duplicates are kept in order; an empty value
 *   is kept (it resets the option in systemd);
 * - a value whose line ends in `\` continues on the next line, and the backslash and
 *   newline stay in the value (`a \` + `  b` gives `a \⏎  b`); a blank line ends it;
 * - `\r\n` line endings are accepted, a leading byte-order mark is ignored.
 *
 * @param text - the file, as a string or as UTF-8 bytes
 * @returns the options in file order
 * @throws {@link UnitError} `UNIT_TOO_LARGE`, `UNIT_NOT_TEXT`, `UNIT_LINE_TOO_LONG`,
 * `UNIT_PARSE`, `UNIT_SECTION_UNKNOWN` or `UNIT_EMPTY`; messages start with `line N:`
 * when a line is to blame.
 */
export function parseUnitFile(text: string | Uint8Array): UnitOption[] {
  const lines = decodeUnitText(text).split('\n');
  const options: UnitOption[] = [];
  let section: string | undefined;
  let pending: PendingValue | undefined;
  let inComment = false;

  const finish = (value: PendingValue, sectionName: string): void => {
    options.push({ section: sectionName, name: value.name, value: goTrim(value.text) });
  };

  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const raw = lines[index] ?? '';
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // Like POSIX LINE_MAX, the limit counts the line's newline.
    if (utf8Length(line) + 1 > MAX_LINE_BYTES) {
      throw fail('UNIT_LINE_TOO_LONG', lineNo, `line too long (max ${MAX_LINE_BYTES} bytes)`);
    }

    if (inComment) {
      inComment = commentContinues(line);
      continue;
    }

    if (pending !== undefined && section !== undefined) {
      if (goTrim(line) === '') {
        finish(pending, section);
        pending = undefined;
        continue;
      }
      pending.text += line;
      if (line.endsWith('\\')) {
        pending.text += '\n';
      } else {
        finish(pending, section);
        pending = undefined;
      }
      continue;
    }

    const content = goTrimStart(line);
    if (content === '') continue;
    const first = content[0];

    if (first === '#' || first === ';') {
      inComment = commentContinues(content);
      continue;
    }

    if (first === '[') {
      const close = content.indexOf(']');
      if (close === -1) {
        throw fail('UNIT_PARSE', lineNo, `section header ${quote(content)} has no closing "]"`);
      }
      const name = content.slice(1, close);
      if (goTrim(content.slice(close + 1)) !== '') {
        throw fail(
          'UNIT_PARSE',
          lineNo,
          `unexpected text after section header [${name}]: ${quote(content.slice(close + 1))}`,
        );
      }
      if (!isKnownSection(name)) {
        throw fail('UNIT_SECTION_UNKNOWN', lineNo, `unknown section [${name}]`);
      }
      section = name;
      continue;
    }

    if (section === undefined) {
      throw fail('UNIT_PARSE', lineNo, `${quote(content)} is outside any [Section]`);
    }
    const eq = content.indexOf('=');
    if (eq === -1) {
      throw fail('UNIT_PARSE', lineNo, `expected Name=Value, found ${quote(content)}`);
    }
    const name = goTrim(content.slice(0, eq));
    if (name === '') {
      throw fail('UNIT_PARSE', lineNo, `missing option name before "=" in ${quote(content)}`);
    }
    const rest = content.slice(eq + 1);
    if (goTrim(rest) !== '' && rest.endsWith('\\')) {
      pending = { name, text: `${rest}\n` };
    } else {
      options.push({ section, name, value: goTrim(rest) });
    }
  }

  if (pending !== undefined && section !== undefined) finish(pending, section);
  if (options.length === 0) {
    throw new UnitError('UNIT_EMPTY', 'unit file is empty: it has no Name=Value options');
  }
  return options;
}
