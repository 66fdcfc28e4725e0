// Typed change streams over Kv watches. Events are decoded at the boundary (corrupt values
// are reported and skipped); a throwing listener is reported, never allowed to kill the
// stream; compaction becomes one terminal `resync`.
import { oneLine } from '@fleet/runtime';
import { assignmentSchema, machineSchema, metadataSchema, unitRecordSchema } from '../codec.js';
import { InvalidInputError } from '../errors.js';
import type { KeyRange } from '../keys.js';
import type { KvEvent } from '../kv/kv.js';
import type { Watch } from '../registry.js';
import type {
  AssignmentEvent,
  LeaderEvent,
  MachineEvent,
  ResyncEvent,
  UnitEvent,
} from '../types.js';
import type { Core } from './core.js';
import { leaderFrom } from './fence.js';
import { toMachineRecord } from './machines.js';
import { checkMachineId } from './validate.js';

function checkRevision(rev: unknown): bigint {
  if (typeof rev !== 'string' || !/^[0-9]{1,19}$/.test(rev)) {
    throw new InvalidInputError(`invalid revision ${JSON.stringify(rev)}`);
  }
  return BigInt(rev);
}

/** A typed watch of one key range (exported for the rollout watch). */
export function watchRange<E extends { type: string }>(
  core: Core,
  range: KeyRange,
  afterRevision: string,
  onEvent: (e: E | ResyncEvent) => void,
  map: (ev: KvEvent) => E | undefined,
): Watch {
  const after = checkRevision(afterRevision);
  const deliver = (e: E | ResyncEvent): void => {
    try {
      onEvent(e);
    } catch (error) {
      core.report({ kind: 'listener-threw', error });
    }
  };
  const w = core.kv.watch(range.start, range.end, after, {
    events: (evs) => {
      for (const ev of evs) {
        const e = map(ev);
        if (e !== undefined) deliver(e);
      }
    },
    resync: (reason) => deliver({ type: 'resync', reason }),
    restarted: (error) => core.report({ kind: 'watch-restarted', key: range.start, error }),
  });
  return { close: () => w.close() };
}

type Put = Extract<KvEvent, { type: 'put' }>;
export const revOf = (ev: KvEvent): string =>
  (ev.type === 'put' ? ev.kv.modRevision : ev.modRevision).toString();
export const keyOf = (ev: KvEvent): string => (ev.type === 'put' ? ev.kv.key : ev.key);

/** See {@link Registry.watchUnits}. */
export function watchUnits(
  core: Core,
  afterRevision: string,
  onEvent: (e: UnitEvent) => void,
): Watch {
  return watchRange<Exclude<UnitEvent, ResyncEvent>>(
    core,
    core.keys.units(),
    afterRevision,
    onEvent,
    (ev) => {
      const parsed = core.keys.parse(keyOf(ev));
      if (parsed?.kind !== 'unit') return undefined;
      if (ev.type === 'delete') return { type: 'delete', name: parsed.name, revision: revOf(ev) };
      const u = core.decode(unitRecordSchema, (ev as Put).kv);
      if (u === undefined) return undefined;
      if (u.name !== parsed.name) return core.corrupt(ev.kv.key, `record names unit ${u.name}`);
      const revision = revOf(ev);
      return {
        type: 'put',
        unit: { name: u.name, hash: u.hash, desiredState: u.desiredState, revision },
        revision,
      };
    },
  );
}

/** See {@link Registry.watchAssignments}. */
export function watchAssignments(
  core: Core,
  machineId: string | undefined,
  afterRevision: string,
  onEvent: (e: AssignmentEvent) => void,
): Watch {
  const range = core.keys.assignments(
    machineId === undefined ? undefined : checkMachineId(machineId),
  );
  return watchRange<Exclude<AssignmentEvent, ResyncEvent>>(
    core,
    range,
    afterRevision,
    onEvent,
    (ev) => {
      const parsed = core.keys.parse(keyOf(ev));
      if (parsed?.kind !== 'assign') return undefined;
      const revision = revOf(ev);
      if (ev.type === 'delete') {
        return { type: 'delete', machineId: parsed.machineId, unit: parsed.name, revision };
      }
      const a = core.decode(assignmentSchema, ev.kv);
      if (a === undefined) return undefined;
      if (a.unit !== parsed.name) return core.corrupt(ev.kv.key, `record names unit ${a.unit}`);
      const assignment = {
        machineId: parsed.machineId,
        unit: a.unit,
        hash: a.hash,
        desiredState: a.desiredState,
        revision,
      };
      return { type: 'put', assignment, revision };
    },
  );
}

/** See {@link Registry.watchMachines}. */
export function watchMachines(
  core: Core,
  afterRevision: string,
  onEvent: (e: MachineEvent) => void,
): Watch {
  return watchRange<Exclude<MachineEvent, ResyncEvent>>(
    core,
    core.keys.machines(),
    afterRevision,
    onEvent,
    (ev) => {
      const parsed = core.keys.parse(keyOf(ev));
      const revision = revOf(ev);
      if (parsed?.kind === 'machine') {
        if (ev.type === 'delete') return { type: 'delete', machineId: parsed.machineId, revision };
        const m = core.decode(machineSchema, ev.kv);
        if (m === undefined) return undefined;
        if (m.id !== parsed.machineId)
          return core.corrupt(ev.kv.key, `record names machine ${m.id}`);
        return { type: 'put', machine: toMachineRecord(m), revision };
      }
      if (parsed?.kind === 'metadata') {
        const base = {
          type: 'metadata',
          machineId: parsed.machineId,
          key: parsed.key,
          revision,
        } as const;
        if (ev.type === 'delete') return { ...base, value: null };
        const v = core.decode(metadataSchema, ev.kv);
        return v === undefined ? undefined : { ...base, value: v.value };
      }
      return undefined;
    },
  );
}

/** See {@link Registry.watchLeader}: one read of the leader key, then a watch from there. */
export function watchLeader(core: Core, onEvent: (e: LeaderEvent | ResyncEvent) => void): Watch {
  const key = core.keys.leader();
  let closed = false;
  let inner: Watch | undefined;
  const deliver = (e: LeaderEvent | ResyncEvent): void => {
    if (closed) return;
    try {
      onEvent(e);
    } catch (error) {
      core.report({ kind: 'listener-threw', error });
    }
  };
  void (async () => {
    let read;
    try {
      read = await core.kv.range({ key });
    } catch (err) {
      deliver({ type: 'resync', reason: `could not read the leader: ${oneLine(err)}` });
      closed = true;
      return;
    }
    if (closed) return;
    const revision = read.revision.toString();
    deliver({ type: 'leader', leader: leaderFrom(core, read.kvs[0]), revision });
    if (closed) return;
    inner = watchRange<LeaderEvent>(
      core,
      { start: key, end: `${key}\0` },
      revision,
      deliver,
      (ev) => ({
        type: 'leader',
        leader: ev.type === 'put' ? leaderFrom(core, ev.kv) : undefined,
        revision: revOf(ev),
      }),
    );
  })();
  return {
    close: async () => {
      closed = true;
      await inner?.close();
    },
  };
}
