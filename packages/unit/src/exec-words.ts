// A command line split into words as systemd splits `ExecStart=`: whitespace separates words,
// single and double quotes group (anywhere in a word), C escapes are decoded; no shell, no
// variables. Used for `[X-Fleet] HealthCheckCommand=`.

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  s: ' ',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** The words of `line`, or why it cannot be split (one line, for a person). */
export type ExecWords = { readonly words: string[] } | { readonly problem: string };

const isSpace = (c: string): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';

/** Decodes the escape at `line[i]` (just after the backslash): [text, characters used] or a problem. */
function escape(line: string, i: number): [string, number] | string {
  const c = line[i];
  if (c === undefined) return 'it ends in a lone backslash';
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const code = (
    digits: string,
    base: number,
    from: number,
    to: number,
  ): [string, number] | string => {
    const text = line.slice(from, to);
    const ok =
      text.length === to - from && [...text].every((d) => digits.includes(d.toLowerCase()));
    const n = ok ? parseInt(text, base) : NaN;
    if (!ok || n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) {
      return `invalid escape "\\${line.slice(i, to)}"`;
    }
    return [String.fromCodePoint(n), to - i];
  };
  const HEX = '0123456789abcdef';
  if (c === 'x') return code(HEX, 16, i + 1, i + 3);
  if (c === 'u') return code(HEX, 16, i + 1, i + 5);
  if (c === 'U') return code(HEX, 16, i + 1, i + 9);
  if (c >= '0' && c <= '7') return code('01234567', 8, i, i + 3);
  return `unknown escape "\\${c}"`;
}

/**
 * Splits a command line as systemd splits `ExecStart=`. A backslash before a line break (a
 * continued line) counts as whitespace; `\;` is a literal `;`, while a lone `;` (systemd's
 * separator of several commands) is refused, as is an unterminated quote or a bad escape.
 */
export function splitExecWords(line: string): ExecWords {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  /** The word had a quote or `\;`: a `;` in it is literal. */
  let literal = false;
  const end = (): void => {
    if (word !== undefined) words.push(word);
    word = undefined;
    literal = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && (line[i + 1] === '\n' || line.startsWith('\r\n', i + 1))) {
      if (quote === undefined) end();
      i += line[i + 1] === '\n' ? 1 : 2;
      continue;
    }
    if (quote === undefined && isSpace(c)) {
      if (word === ';' && !literal) return { problem: 'it holds more than one command' };
      end();
      continue;
    }
    if (c === quote) {
      quote = undefined;
      continue;
    }
    if (quote === undefined && (c === '"' || c === "'")) {
      quote = c;
      literal = true;
      word ??= '';
      continue;
    }
    if (c === '\\') {
      if (quote === undefined && line[i + 1] === ';') {
        word = (word ?? '') + ';';
        literal = true;
        i++;
        continue;
      }
      const e = escape(line, i + 1);
      if (typeof e === 'string') return { problem: e };
      word = (word ?? '') + e[0];
      i += e[1];
      continue;
    }
    word = (word ?? '') + c;
  }
  if (quote !== undefined) return { problem: `a ${quote} quote is not closed` };
  if (word === ';' && !literal) return { problem: 'it holds more than one command' };
  end();
  return { words };
}
