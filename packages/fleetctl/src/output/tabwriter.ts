// A clone of Go's text/tabwriter as fleetctl configured it: `tabwriter.Init(out, 0, 8, 1, '\t', 0)`
// (minwidth 0, tabwidth 8, padding 1, pad with tabs, no flags). Cells end at a tab; the text
// after a line's last tab is not part of any column. Columns are aligned per "column block":
// consecutive lines that all have a cell in that column.

const TAB_WIDTH = 8;
const PADDING = 1;

/** Width of a cell as Go counts it: in runes (code points). */
function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Tabs that pad `textWidth` characters out to a column of `columnWidth`. */
function tabsFor(textWidth: number, columnWidth: number): string {
  const cellWidth = Math.ceil(columnWidth / TAB_WIDTH) * TAB_WIDTH;
  return '\t'.repeat(Math.ceil((cellWidth - textWidth) / TAB_WIDTH));
}

/**
 * Formats text the way fleetctl's tabwriter printed it. `text` is a whole output: lines end in
 * `\n` and cells end in `\t`. The result has the same lines with each cell padded by tabs to its
 * column block's width (widest cell + 1, rounded up to a multiple of 8).
 */
export function tabwrite(text: string): string {
  const trailingNewline = text.endsWith('\n');
  const rows = (trailingNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = rows[i] ?? [];
      let line = '';
      cells.forEach((cell, j) => {
        line += cell;
        const width = widths[j];
        if (j < cells.length - 1 && width !== undefined) line += tabsFor(runeCount(cell), width);
      });
      out.push(line);
    }
  };

  // Go's recursive format(): find each block of lines that has a cell in column `widths.length`,
  // size that column, then format the columns to its right within the block.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let i = line0; i < line1; i++) {
      if (column >= (rows[i]?.length ?? 0) - 1) continue;
      writeLines(start, i);
      start = i;
      let width = 0;
      let end = i;
      for (; end < line1; end++) {
        const cells = rows[end] ?? [];
        if (column >= cells.length - 1) break;
        width = Math.max(width, runeCount(cells[column] ?? '') + PADDING);
      }
      widths.push(width);
      format(start, end);
      widths.pop();
      start = end;
      i = end - 1;
    }
    writeLines(start, line1);
  };

  format(0, rows.length);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

/** Formats rows of cells (each row one line, cells joined by tabs) as {@link tabwrite} does. */
export function tabwriteRows(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  return tabwrite(rows.map((r) => `${r.join('\t')}\n`).join(''));
}
