// Renders list rows as fleet's tab-aligned table (upper-cased header unless --no-legend) or as
// JSON (an array of objects with the selected fields as keys, in field order).
import type { OutputFormat, Row } from './fields.js';
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
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  const lines: string[][] = [];
  if (opts.legend) lines.push(opts.fields.map((f) => f.toUpperCase()));
  for (const row of rows) lines.push(opts.fields.map((f) => row[f]?.cell ?? '-'));
  return tabwriteRows(lines);
}
