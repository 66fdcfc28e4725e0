// Help text as it reads at the terminal's width. Command descriptions are written as short lines;
// yargs would wrap each of those lines again at the width and leave ragged breaks mid-phrase.
// Here each paragraph is joined and filled to the width first (lines that start with blanks or
// a "- " bullet stay lines of their own), and a field list ("Fields: a, b (default a)."), which
// yargs would break anywhere, gets lines of its own, broken only between fields, never inside
// its default.

const FIELD_LIST = /Fields: [^()]*?\(default [^)]*\)\.?/;

/** `block` split around the field list it holds, if any. */
function splitFieldList(block: string): string[] {
  const m = FIELD_LIST.exec(block);
  if (m === null) return [block];
  const before = block.slice(0, m.index).trim();
  const after = block.slice(m.index + m[0].length).trim();
  return [before, m[0], ...splitFieldList(after)].filter((b) => b !== '');
}

/** A block's words; "(default x)" is one, so that a field list's default is never cut. */
function words(block: string): string[] {
  const out: string[] = [];
  for (const w of block.trim().split(/\s+/)) {
    const last = out.length - 1;
    if (last >= 0 && out[last] === '(default') out[last] = `(default ${w}`;
    else out.push(w);
  }
  return out;
}

/** One block filled to `width` (yargs trims the blanks a line starts with: no indents). */
function fill(block: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words(block)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join('\n');
}

/** `text` (paragraphs apart by blank lines) filled to `width` columns. */
export function wrapHelp(text: string, width: number): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => {
      const blocks: string[] = [];
      for (const line of paragraph.split('\n')) {
        const last = blocks.length - 1;
        if (last < 0 || /^(\s|- )/.test(line)) blocks.push(line);
        else blocks[last] = `${blocks[last] ?? ''} ${line}`;
      }
      return blocks
        .flatMap(splitFieldList)
        .map((b) => fill(b, width))
        .join('\n');
    })
    .join('\n\n');
}
