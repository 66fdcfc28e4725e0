// Turning raw input into unit-file text: size limit first, then "is this text at all".
import { UnitError } from './errors.js';
import { MAX_UNIT_FILE_BYTES } from './limits.js';

/** Number of bytes `s` takes in UTF-8 (a lone surrogate counts as the 3 bytes of U+FFFD). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

function tooLarge(bytes: number): UnitError {
  return new UnitError(
    'UNIT_TOO_LARGE',
    `unit file is too large: ${bytes} bytes (max ${MAX_UNIT_FILE_BYTES})`,
  );
}

function checkNoNul(text: string): void {
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const line = lineOf(text, nul);
    throw new UnitError('UNIT_NOT_TEXT', `line ${line}: unit file contains a NUL byte`, { line });
  }
}

/**
 * Checks the size and encoding of a unit file and returns it as a string without a
 * leading byte-order mark.
 *
 * @throws {@link UnitError} `UNIT_TOO_LARGE` over {@link MAX_UNIT_FILE_BYTES} (checked
 * before anything else is read), `UNIT_NOT_TEXT` for NUL bytes, invalid UTF-8 or
 * unpaired surrogates.
 */
export function decodeUnitText(input: string | Uint8Array): string {
  let text: string;
  if (typeof input === 'string') {
    // Every UTF-16 code unit is at least one UTF-8 byte, so this bound needs no scan.
    if (input.length > MAX_UNIT_FILE_BYTES) throw tooLarge(utf8Length(input));
    const bytes = utf8Length(input);
    if (bytes > MAX_UNIT_FILE_BYTES) throw tooLarge(bytes);
    checkNoNul(input);
    if (LONE_SURROGATE.test(input)) {
      throw new UnitError('UNIT_NOT_TEXT', 'unit file is not valid text: unpaired surrogate');
    }
    text = input;
  } else {
    if (input.byteLength > MAX_UNIT_FILE_BYTES) throw tooLarge(input.byteLength);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
    } catch (cause) {
      throw new UnitError('UNIT_NOT_TEXT', 'unit file is not valid UTF-8 text', { cause });
    }
    checkNoNul(text);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
