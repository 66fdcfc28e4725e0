// How fleetctl shows rollouts: the status block of one record (header lines and a table of its
// copies) and the history table.
import type { WireRollout } from '@fleet/client';
import { shortHash } from '@fleet/unit';
import { escapeControls } from './escape.js';
import { value, type Row } from './fields.js';
import { machineIdLegend } from './legend.js';
import { renderRows } from './render.js';

/**
 * Whether a rollout changes no more: it succeeded or was rolled back, or failed without automatic
 * rollback (with it, `failed` goes on to `rolling-back`), or was finished into the history.
 */
export function isFinal(r: WireRollout): boolean {
  if (r.finishedAt !== undefined) return true;
  if (r.state === 'failed') return !r.policy.autoRevert;
  return r.state === 'succeeded' || r.state === 'rolled-back';
}

const COPY_FIELDS = ['unit', 'machine', 'phase', 'since'];
const HISTORY_FIELDS = ['id', 'state', 'from', 'to', 'progress', 'started', 'finished', 'reason'];

const hash = (h: string, full: boolean): string => (full ? h : shortHash(h));

/** `done/total` of a record's copies. */
export function progressOf(r: WireRollout): string {
  return `${r.copies.filter((c) => c.phase === 'done').length}/${r.copies.length}`;
}

/** One line that says where a rollout is: what `--watch` prints on a change when not on a terminal. */
export function rolloutLine(r: WireRollout): string {
  const reason = r.reason === undefined ? '' : `: ${r.reason}`;
  return escapeControls(
    `${r.group} rollout ${r.id} ${r.state} ${shortHash(r.fromHash)}->${shortHash(r.toHash)} ` +
      `${progressOf(r)} done${reason}`,
  );
}

/** The status of one record: header lines, then a table of its copies. */
export function renderStatus(r: WireRollout, full: boolean): string {
  const lines = [
    `Group:    ${r.group}`,
    `Rollout:  ${r.id}`,
    `State:    ${r.state}`,
    `Version:  ${hash(r.fromHash, full)} -> ${hash(r.toHash, full)}`,
    `Progress: ${progressOf(r)} done`,
  ];
  if (r.reason !== undefined) lines.push(`Reason:   ${r.reason}`);
  const rows: Row[] = r.copies.map((c) => ({
    unit: value(c.unit),
    machine: value(machineIdLegend(c.machineId, full), c.machineId),
    phase: value(c.phase),
    since: value(c.healthySince ?? c.replacedAt),
  }));
  const table =
    rows.length === 0
      ? ''
      : `\n${renderRows(rows, { fields: COPY_FIELDS, format: 'table', legend: true })}`;
  return `${lines.map((l) => escapeControls(l)).join('\n')}\n${table}`;
}

/** The rollouts of a group, newest first, as a table. */
export function renderHistory(records: readonly WireRollout[], full: boolean): string {
  const rows: Row[] = records.map((r) => ({
    id: value(String(r.id), r.id),
    state: value(r.state),
    from: value(hash(r.fromHash, full), r.fromHash),
    to: value(hash(r.toHash, full), r.toHash),
    progress: value(progressOf(r)),
    started: value(r.startedAt),
    finished: value(r.finishedAt),
    reason: value(r.reason),
  }));
  return renderRows(rows, { fields: HISTORY_FIELDS, format: 'table', legend: true });
}

/** A JSON document as fleetctl prints one (DEL and C1 controls escaped too). */
export function jsonText(value: unknown, indent = 2): string {
  return `${JSON.stringify(value, null, indent).replace(
    /[\x7f-\x9f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )}\n`;
}
