// `fleetctl rollout status --watch`: follows a rollout until it finishes. On a terminal the status
// block is redrawn in place; otherwise one line is printed per change (JSON: one record per line).
import type { WireRollout } from '@fleet/client';
import type { Context } from '../cli/context.js';
import { CliError } from '../cli/errors.js';
import { isTty } from '../cli/io.js';
import type { OutputFormat } from '../output/fields.js';
import { isFinal, jsonText, renderStatus, rolloutLine } from '../output/rollout-view.js';

/** The record status shows: the current one, else the newest finished one. */
export function latestOf(records: readonly WireRollout[]): WireRollout {
  const r = records[0];
  if (r === undefined) throw new CliError('no rollout');
  return r;
}

/** Writes a block on a terminal so that the next one replaces it. */
export class LiveBlock {
  private lines = 0;
  constructor(private readonly write: (text: string) => void) {}

  /** Replaces the previous block with `text` (lines ending in `\n`). */
  show(text: string): void {
    // Up to the first line of the previous block, and clear from there down.
    const up = this.lines === 0 ? '' : `\x1b[${this.lines}A\r\x1b[J`;
    this.write(`${up}${text}`);
    this.lines = text.split('\n').length - 1;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `r` is the last word of the rollout watched (it finished, or a newer one did). */
function finished(r: WireRollout, watched: number): boolean {
  return r.id !== watched || isFinal(r);
}

/**
 * Polls the group's records until the rollout shown first has finished.
 * @returns 0 if it succeeded, else 1 (the reason on stderr)
 */
export async function watchRollout(
  ctx: Context,
  req: { readonly format: OutputFormat; readonly full: boolean },
  read: () => Promise<readonly WireRollout[]>,
): Promise<number> {
  const live =
    req.format === 'table' && isTty(ctx.io.stdout)
      ? new LiveBlock((t) => ctx.io.stdout.write(t))
      : undefined;
  let records = await read();
  let r = latestOf(records);
  const watched = r.id;
  let last = '';
  for (;;) {
    const text =
      req.format === 'json'
        ? jsonText(r, 0)
        : live !== undefined
          ? renderStatus(r, req.full)
          : `${rolloutLine(r)}\n`;
    if (text !== last) {
      if (live !== undefined) live.show(text);
      else ctx.io.stdout.write(text);
      last = text;
    }
    if (finished(r, watched)) break;
    await sleep(ctx.settings.pollIntervalMs);
    records = await read();
    // The watched record: while it runs, the current one; once finished, in the history.
    r = records.find((x) => x.id === watched) ?? latestOf(records);
  }
  if (r.state === 'succeeded') return 0;
  ctx.err(
    `rollout ${r.id} of ${r.group} ${r.state}${r.reason === undefined ? '' : `: ${r.reason}`}`,
  );
  return 1;
}
