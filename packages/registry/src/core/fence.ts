// Fencing: every engine write is a transaction that compares the leader key's create
// revision with the writer's token. A deposed leader's token can never match again, because
// a new leader key always has a new create revision.
import { leaderSchema } from '../codec.js';
import type { KvCompare, KvOpResult, KvRecord } from '../kv/kv.js';
import type { LeaderInfo } from '../types.js';
import type { Core } from './core.js';

/** The compare that guards an engine write. */
export function fenceCompare(core: Core, token: bigint): KvCompare {
  return { key: core.keys.leader(), target: 'create', op: '==', value: token };
}

/** The leader described by the `leader` record, if any. */
export function leaderFrom(core: Core, rec: KvRecord | undefined): LeaderInfo | undefined {
  if (rec === undefined) return undefined;
  const l = core.decode(leaderSchema, rec);
  return { candidateId: l?.candidateId ?? '(unreadable)', token: rec.createRevision.toString() };
}

/** The leader from a range result in a transaction's failure branch. */
export function leaderFromResult(core: Core, r: KvOpResult | undefined): LeaderInfo | undefined {
  return leaderFrom(core, r?.type === 'range' ? r.kvs[0] : undefined);
}

/** Reads the current leader. */
export async function readLeader(core: Core): Promise<LeaderInfo | undefined> {
  return leaderFrom(core, (await core.kv.range({ key: core.keys.leader() })).kvs[0]);
}
