import { describe, expect, it } from 'vitest';
import type { UnitOption } from './option.js';
import { parseUnitFile } from './parse.js';
import { thrown } from './testing/index.js';

const opt = (section: string, name: string, value: string): UnitOption => ({
  section,
  name,
  value,
});

describe('parseUnitFile: accepted syntax', () => {
  const cases: [string, string, UnitOption[]][] = [
    [
      'sections and options in file order',
      '[Unit]\nDescription=Hello\n\n[Service]\nExecStart=/bin/sleep 1000\n',
      [opt('Unit', 'Description', 'Hello'), opt('Service', 'ExecStart', '/bin/sleep 1000')],
    ],
    [
      '# and ; comment lines, also indented',
      '# top\n[Unit]\n; semi\n   # indented\nA=1\n\t; tab\n',
      [opt('Unit', 'A', '1')],
    ],
    [
      'a comment ending in \\ swallows the next line',
      '[Unit]\n# see \\\nNot an option at all\nA=1\n',
      [opt('Unit', 'A', '1')],
    ],
    [
      'comment continuation chains, and one trailing space is allowed',
      '[Unit]\n#a\\ \n#b\\\nignored\nA=1\n',
      [opt('Unit', 'A', '1')],
    ],
    [
      'two trailing spaces after \\ end a comment',
      '[Unit]\n# a \\  \nA=1\n',
      [opt('Unit', 'A', '1')],
    ],
    [
      'names and values are trimmed',
      '[Unit]\n  Description  =   spaced out  \t\n',
      [opt('Unit', 'Description', 'spaced out')],
    ],
    [
      'duplicate names are kept, in order',
      '[Service]\nExecStartPre=/a\nExecStartPre=/b\nExecStartPre=/a\n',
      [
        opt('Service', 'ExecStartPre', '/a'),
        opt('Service', 'ExecStartPre', '/b'),
        opt('Service', 'ExecStartPre', '/a'),
      ],
    ],
    [
      'the value is everything after the first =',
      '[Service]\nEnvironment=A=B C==D\n',
      [opt('Service', 'Environment', 'A=B C==D')],
    ],
    [
      'an empty value is kept',
      '[Service]\nExecStart=\nExecStart=   \nExecStart=/x\n',
      [
        opt('Service', 'ExecStart', ''),
        opt('Service', 'ExecStart', ''),
        opt('Service', 'ExecStart', '/x'),
      ],
    ],
    [
      'a section may appear twice; options stay in file order',
      '[Unit]\nA=1\n[Service]\nB=2\n[Unit]\nC=3\n',
      [opt('Unit', 'A', '1'), opt('Service', 'B', '2'), opt('Unit', 'C', '3')],
    ],
    [
      'a section header may be indented and followed by spaces',
      '  [Unit]  \t\nA=1',
      [opt('Unit', 'A', '1')],
    ],
    [
      'X- sections and [X-Fleet] are accepted',
      '[X-Fleet]\nGlobal=true\n[X-Custom]\nWhatever=1\n',
      [opt('X-Fleet', 'Global', 'true'), opt('X-Custom', 'Whatever', '1')],
    ],
    [
      'every systemd section is accepted',
      [
        'Unit',
        'Install',
        'Service',
        'Socket',
        'Timer',
        'Path',
        'Mount',
        'Automount',
        'Swap',
        'Slice',
        'Scope',
        'Device',
      ]
        .map((s) => `[${s}]\nK=${s}\n`)
        .join(''),
      [
        'Unit',
        'Install',
        'Service',
        'Socket',
        'Timer',
        'Path',
        'Mount',
        'Automount',
        'Swap',
        'Slice',
        'Scope',
        'Device',
      ].map((s) => opt(s, 'K', s)),
    ],
    ['no final newline', '[Unit]\nA=1', [opt('Unit', 'A', '1')]],
    [
      'CRLF line endings',
      '[Unit]\r\nDescription=Hello\r\n\r\n[Service]\r\nExecStart=/bin/true\r\n',
      [opt('Unit', 'Description', 'Hello'), opt('Service', 'ExecStart', '/bin/true')],
    ],
    ['a leading byte-order mark is ignored', '\uFEFF[Unit]\nA=1\n', [opt('Unit', 'A', '1')]],
    [
      "Go's whitespace is trimmed (NBSP, NEL), U+FEFF is not",
      '[Unit]\nA=\u00a0x\u0085\nB=y\uFEFF\n',
      [opt('Unit', 'A', 'x'), opt('Unit', 'B', 'y\uFEFF')],
    ],
    [
      '#, ; and [ inside a value are plain text',
      '[Service]\nExecStart=/bin/echo #not; [a comment]\n',
      [opt('Service', 'ExecStart', '/bin/echo #not; [a comment]')],
    ],
  ];
  it.each(cases)('%s', (_title, text, expected) => {
    expect(parseUnitFile(text)).toEqual(expected);
  });
});

describe('parseUnitFile: backslash continuation keeps backslash and newline', () => {
  const cases: [string, string, string[]][] = [
    ['the fleet example', "ExecStart=/bin/sh -c \\\n  'x'\n", ["/bin/sh -c \\\n  'x'"]],
    ['several lines', 'ExecStart=a \\\n b \\\n c\n', ['a \\\n b \\\n c']],
    ['CRLF continuation', 'ExecStart=a \\\r\n  b\r\n', ['a \\\n  b']],
    ['a blank line ends it', 'ExecStart=a \\\n\nB=c\n', ['a \\', 'c']],
    ['a whitespace-only line ends it', 'ExecStart=a \\\n  \t \nB=c\n', ['a \\', 'c']],
    ['end of file ends it', 'ExecStart=a \\', ['a \\']],
    ['end of file after the newline ends it', 'ExecStart=a \\\n', ['a \\']],
    ['\\ followed by a space does not continue', 'ExecStart=a \\ \nB=c\n', ['a \\', 'c']],
    ['the next line is taken whole', 'ExecStart=a\\\nB=c\n', ['a\\\nB=c']],
    [
      'comment and header lines inside it are value text',
      'A=x\\\n# c\\\n[Unit]\n',
      ['x\\\n# c\\\n[Unit]'],
    ],
    ['a lone \\ is a value', 'A=\\\nB=c\n', ['\\\nB=c']],
  ];
  it.each(cases)('%s', (_title, body, values) => {
    const options = parseUnitFile(`[Service]\n${body}`);
    expect(options.map((o) => o.value)).toEqual(values);
  });
});

describe('parseUnitFile: errors', () => {
  const cases: [string, string, string, string][] = [
    ['text after ]', '[Unit]\n[Service] x\nA=1\n', 'UNIT_PARSE', 'line 2: '],
    ['no closing ]', '[Unit\nA=1\n', 'UNIT_PARSE', 'line 1: '],
    ['option before any section', 'A=1\n[Unit]\nB=2\n', 'UNIT_PARSE', 'line 1: '],
    ['text before any section', '\n\nhello\n[Unit]\nB=2\n', 'UNIT_PARSE', 'line 3: '],
    ['a line without =', '[Unit]\nA=1\nDescription\n', 'UNIT_PARSE', 'line 3: '],
    ['a missing option name', '[Unit]\n = value\n', 'UNIT_PARSE', 'line 2: '],
    [
      'unknown section',
      '[Unit]\nA=1\n[Foo]\nB=2\n',
      'UNIT_SECTION_UNKNOWN',
      'line 3: unknown section [Foo]',
    ],
    [
      'sections are case-sensitive',
      '[unit]\nA=1\n',
      'UNIT_SECTION_UNKNOWN',
      'unknown section [unit]',
    ],
    [
      'spaces inside brackets',
      '[ Unit ]\nA=1\n',
      'UNIT_SECTION_UNKNOWN',
      'unknown section [ Unit ]',
    ],
    ['empty section name', '[]\nA=1\n', 'UNIT_SECTION_UNKNOWN', 'unknown section []'],
    // Extension sections are `X-` and a name; an X without the dash is not one of them.
    [
      'X without a dash',
      '[Unit]\nA=1\n[XFleet]\nB=2\n',
      'UNIT_SECTION_UNKNOWN',
      'line 3: unknown section [XFleet]',
    ],
    ['X and a name', '[Xfoo]\nA=1\n', 'UNIT_SECTION_UNKNOWN', 'line 1: unknown section [Xfoo]'],
    ['a lone X', '[X]\nA=1\n', 'UNIT_SECTION_UNKNOWN', 'unknown section [X]'],
    ['a lowercase x-', '[x-fleet]\nA=1\n', 'UNIT_SECTION_UNKNOWN', 'unknown section [x-fleet]'],
    ['empty file', '', 'UNIT_EMPTY', 'empty'],
    ['blank lines only', '\n  \n\r\n', 'UNIT_EMPTY', 'empty'],
    ['comments only', '# a\n; b\n', 'UNIT_EMPTY', 'empty'],
    ['a section without options', '[Unit]\n\n[Service]\n', 'UNIT_EMPTY', 'empty'],
  ];
  it.each(cases)('%s', (_title, text, code, message) => {
    const error = thrown(() => parseUnitFile(text));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.retryable).toBe(false);
  });

  it('records the line number on the error', () => {
    const error = thrown(() => parseUnitFile('[Unit]\nA=1\n\n\n\n\nbroken\n'));
    expect(error.line).toBe(7);
    expect(error.message).toMatch(/^line 7: /);
  });
});

describe('parseUnitFile: line length', () => {
  const line = (bytes: number): string => `[Unit]\nA=${'x'.repeat(bytes - 2)}\nB=1\n`;

  it('accepts a line of 2047 bytes plus its newline', () => {
    expect(parseUnitFile(line(2047))[0]?.value).toHaveLength(2045);
  });

  it('rejects a line of 2048 bytes plus its newline (2049 bytes)', () => {
    const error = thrown(() => parseUnitFile(line(2048)));
    expect(error.code).toBe('UNIT_LINE_TOO_LONG');
    expect(error.message).toBe('line 2: line too long (max 2048 bytes)');
  });

  it('does not count the \\r of a CRLF ending', () => {
    expect(() => parseUnitFile(line(2047).replaceAll('\n', '\r\n'))).not.toThrow();
  });

  it('counts bytes, not characters', () => {
    const error = thrown(() => parseUnitFile(`[Unit]\nA=${'é'.repeat(1023)}\n`));
    expect(error.code).toBe('UNIT_LINE_TOO_LONG');
  });

  it('applies to comments and continuation lines too', () => {
    expect(thrown(() => parseUnitFile(`[Unit]\nA=1\n#${'c'.repeat(3000)}\n`)).code).toBe(
      'UNIT_LINE_TOO_LONG',
    );
    expect(thrown(() => parseUnitFile(`[Unit]\nA=1\\\n${'c'.repeat(3000)}\n`)).line).toBe(3);
  });

  it('applies to a last line without a newline', () => {
    expect(thrown(() => parseUnitFile(`[Unit]\nA=${'x'.repeat(2046)}`)).code).toBe(
      'UNIT_LINE_TOO_LONG',
    );
  });
});
