// Renders list rows as fleet's tab-aligned table (upper-cased header unless --no-legend) or as
// JSON (an array of objects with the selected fields as keys, in field order).
import type { OutputFormat, Row } from './fields.js';
import { escapeControls } from './escape.js';
import { tabwriteRows } from './tabwriter.js';

/** How to render a list. */
export interface RenderOptions {
  readonly fields: readonly string[];
  readonly format: OutputFormat;
  readonly legend: boolean;
}

/** The text to print for `rows` (ends in a newline unless it is empty). */
export function renderRows(rows: readonly Row[], opts: RenderOptions): string {
  if (opts.format === 'json') {
    const objects = rows.map((row) =>
      Object.fromEntries(opts.fields.map((f) => [f, row[f]?.json ?? null])),
    );
    // JSON.stringify escapes C0 controls but not DEL and C1 (U+007F-U+009F): escape those too.
    const json = JSON.stringify(objects, null, 2).replace(
      /[\x7f-\x9f]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return `${json}\n`;
  }
  const lines: string[][] = [];
  if (opts.legend) lines.push(opts.fields.map((f) => f.toUpperCase()));
  // A cell is one line of text: every control character in it is escaped, tabs and newlines too.
  for (const row of rows) {
    lines.push(opts.fields.map((f) => escapeControls(row[f]?.cell ?? '-')));
  }
  return tabwriteRows(lines);
}
