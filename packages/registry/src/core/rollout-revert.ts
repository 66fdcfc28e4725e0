// An automatic rollback's unit writes: the engine puts the previous contents back on the group's
// units, fenced by its leadership, with the same effects as a replace (content ref moved, the old
// contents stored once and collected when unused); each unit keeps its desired state.
import { ConflictError, CorruptRecordError, InvalidInputError, NotLeaderError } from '../errors.js';
import type { KvOp } from '../kv/kv.js';
import type { UnitRevert } from '../rollout-types.js';
import type { UnitHead } from '../types.js';
import { dropContentIfUnused, putContentIfAbsent } from './contents.js';
import type { Core } from './core.js';
import { fenceCompare, leaderFromResult } from './fence.js';
import { decodeUnit, prepareUnit, toHead } from './unit-records.js';
import { checkToken, checkUnitName } from './validate.js';

/** See {@link Registry.revertUnits}. */
export async function revertUnits(
  core: Core,
  tokenIn: string,
  changes: readonly UnitRevert[],
): Promise<UnitHead[]> {
  const token = checkToken(tokenIn);
  if (!Array.isArray(changes)) throw new InvalidInputError('changes must be an array');
  const names = new Set<string>();
  for (const c of changes) {
    const name = checkUnitName(c.name);
    if (names.has(name)) throw new InvalidInputError(`unit ${name} appears more than once`);
    names.add(name);
    // Validates the options before anything is written.
    prepareUnit(core, { name, options: c.options, desiredState: 'inactive' });
  }
  const out: UnitHead[] = [];
  for (const c of changes) {
    const head = await revertOne(core, tokenIn, token, c);
    if (head !== undefined) out.push(head);
  }
  return out;
}

async function revertOne(
  core: Core,
  tokenIn: string,
  token: bigint,
  change: UnitRevert,
): Promise<UnitHead | undefined> {
  const key = core.keys.unit(change.name);
  for (let attempt = 0; attempt < core.limits.maxCasAttempts; attempt++) {
    const rec = (await core.kv.range({ key })).kvs[0];
    if (rec === undefined) return undefined; // destroyed meanwhile: nothing to put back
    const old = decodeUnit(core, rec, change.name);
    if (old === undefined) throw new CorruptRecordError(rec.key, 'cannot revert the unit');
    const p = prepareUnit(core, { ...change, desiredState: old.desiredState });
    if (old.hash === p.hash) return toHead(old, rec.modRevision);
    const ops: KvOp[] = [
      { type: 'put', key, value: p.unitJson },
      { type: 'delete', key: core.keys.ref(old.hash, p.name) },
      dropContentIfUnused(core, old.hash, p.name),
      { type: 'put', key: core.keys.ref(p.hash, p.name), value: '' },
      putContentIfAbsent(core, p.hash, p.contentJson),
    ];
    const res = await core.kv.txn({
      compare: [
        fenceCompare(core, token),
        { key, target: 'mod', op: '==', value: rec.modRevision },
      ],
      success: ops,
      failure: [{ type: 'range', key: core.keys.leader() }],
    });
    if (res.succeeded) {
      core.contents.set(p.hash, p.options);
      return {
        name: p.name,
        hash: p.hash,
        desiredState: p.desiredState,
        revision: `${res.revision}`,
      };
    }
    const leader = leaderFromResult(core, res.results[0]);
    if (leader?.token !== token.toString()) throw new NotLeaderError(tokenIn, leader, 0);
  }
  throw new ConflictError(`unit ${change.name} kept changing; the revert gave up`);
}
