// The unit epoch: one key rewritten in the same transaction as every unit change, so its mod
// revision is the revision of the last change to any unit (what a plan is computed at, and what
// an apply's checkRevision is compared with).
import type { KvOp } from '../kv/kv.js';
import type { Core } from './core.js';

/** The op every unit-writing transaction carries. `mark` tells an apply's own write apart. */
export function epochPut(core: Core, mark = ''): KvOp {
  return { type: 'put', key: core.keys.unitEpoch(), value: mark };
}

/** The unit epoch now: its mod revision (0 before any unit was written), its mark, and the read's revision. */
export async function readEpoch(
  core: Core,
): Promise<{ epoch: bigint; mark: string | undefined; revision: bigint }> {
  const res = await core.kv.range({ key: core.keys.unitEpoch() });
  const rec = res.kvs[0];
  return { epoch: rec?.modRevision ?? 0n, mark: rec?.value, revision: res.revision };
}

/** See {@link Registry.unitEpoch}. */
export async function unitEpoch(core: Core): Promise<string> {
  return `${(await readEpoch(core)).epoch}`;
}
