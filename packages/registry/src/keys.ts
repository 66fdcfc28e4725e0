// Every etcd key the registry uses is built and parsed here, and nowhere else.
// The layout (documented in README.md) under the prefix, default fleet's `/_coreos.com/fleet/`:
//   unit/<name>                      unit record {name, hash, desiredState}       API
//   unit-epoch                       '' or an apply's mark; written by every unit change,
//                                    so its mod revision is the last change to any unit  API
//   reason/<name>                    {reason}                                      engine, fenced
//   content/<hash>                   {options}                                     API, GC'd
//   ref/<hash>/<name>                '' (unit <name> uses content <hash>)          API
//   ref/<hash>/rollout=<group>=<id>  '' (pin: rollout <id> of <group> names <hash>) engine, fenced
//   assign/<machineId>/<name>        {unit, hash, desiredState}                    engine, fenced
//   placed/<name>/<machineId>        '' (index: <name> is assigned to <machineId>)  engine, fenced
//   placed-ready                     {revision} (the index covers older assignments) backfill
//   machine/<machineId>/object       machine record                                agent, leased
//   machine/<machineId>/metadata/<k> {value: string | null}                        API
//   state/<name>/<machineId>         unit state                                    agent, leased
//   machine-admin/<machineId>        {state, reason?, since, by?} (cordon/drain)    API
//   leader                           {candidateId}                                 engine, leased
//   maintenance                      {limit, holders} (changed only by CAS)         API, fleetd
//   rollout/<group>                  current rollout record of a group              engine, fenced
//   rollout-history/<group>/<id>     a finished rollout (id zero-padded to 10), last 10 kept
//   event/<writeId>/<index>          one cluster event; id = its mod revision       anyone; trimmed
//                                    (<writeId>: <13-digit ms>-<16 hex>, one per append; <index>:
//                                    6 digits, the event's place in that append)

/** fleet's default key prefix. */
export const DEFAULT_PREFIX = '/_coreos.com/fleet/';

/** A half-open key range `[start, end)`. */
export interface KeyRange {
  readonly start: string;
  readonly end: string;
}

/** What a full key refers to. */
export type ParsedKey =
  | { readonly kind: 'unit'; readonly name: string }
  | { readonly kind: 'reason'; readonly name: string }
  | { readonly kind: 'content'; readonly hash: string }
  | { readonly kind: 'ref'; readonly hash: string; readonly name: string }
  | { readonly kind: 'assign'; readonly machineId: string; readonly name: string }
  | { readonly kind: 'placed'; readonly name: string; readonly machineId: string }
  | { readonly kind: 'placed-ready' }
  | { readonly kind: 'machine'; readonly machineId: string }
  | { readonly kind: 'metadata'; readonly machineId: string; readonly key: string }
  | { readonly kind: 'state'; readonly name: string; readonly machineId: string }
  | { readonly kind: 'leader' }
  | { readonly kind: 'maintenance' }
  | { readonly kind: 'machine-admin'; readonly machineId: string }
  | { readonly kind: 'unit-epoch' }
  | { readonly kind: 'rollout'; readonly group: string }
  | { readonly kind: 'rollout-history'; readonly group: string; readonly id: number }
  | { readonly kind: 'event'; readonly writeId: string; readonly index: number };

/**
 * The first key after every key that starts with `prefix` (etcd's prefix range end).
 * Keys here are printable ASCII, so incrementing the last character is exact.
 */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

function prefixRange(prefix: string): KeyRange {
  return { start: prefix, end: prefixEnd(prefix) };
}

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * A key prefix as fleet read it: fleet joined its keys with Go's `path.Join`, so
 * `/fleet_functional/smoke1`, `fleet_functional/smoke1/` and `/fleet_functional//smoke1/` all
 * name the same keyspace (`.` and `..` are resolved the same way). The result starts and ends
 * with `/`: `/fleet_functional/smoke1/`.
 * @throws RangeError for an empty prefix (fleet would have written into the root of the keyspace:
 *   say `/` to mean that) or one that is not printable ASCII (no spaces).
 */
export function normalizeKeyPrefix(prefix: string): string {
  if (prefix === '') {
    throw new RangeError('key prefix is empty (write "/" for the root of the keyspace)');
  }
  if (!PRINTABLE_ASCII.test(prefix)) {
    throw new RangeError(
      `key prefix ${JSON.stringify(prefix)} must be printable ASCII without spaces`,
    );
  }
  const parts: string[] = [];
  for (const part of prefix.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.length === 0 ? '/' : `/${parts.join('/')}/`;
}

/** Key construction for one prefix. Components are validated by the caller (no `/`). */
export class Keys {
  /** The prefix as given, normalised by {@link normalizeKeyPrefix}: `/.../`. */
  readonly prefix: string;

  /** @throws RangeError if the prefix is empty or not printable ASCII. */
  constructor(prefix: string = DEFAULT_PREFIX) {
    this.prefix = normalizeKeyPrefix(prefix);
  }

  unit(name: string): string {
    return `${this.prefix}unit/${name}`;
  }
  units(): KeyRange {
    return prefixRange(`${this.prefix}unit/`);
  }
  /** Rewritten by every unit change (create, replace, desired state, destroy): the unit epoch. */
  unitEpoch(): string {
    return `${this.prefix}unit-epoch`;
  }
  reason(name: string): string {
    return `${this.prefix}reason/${name}`;
  }
  reasons(): KeyRange {
    return prefixRange(`${this.prefix}reason/`);
  }
  content(hash: string): string {
    return `${this.prefix}content/${hash}`;
  }
  ref(hash: string, name: string): string {
    return `${this.prefix}ref/${hash}/${name}`;
  }
  /**
   * The refs of `hash` other than `name`'s, as two ranges (before and after it): both empty
   * means `name` is the last user of the contents.
   */
  otherRefs(hash: string, name: string): readonly [KeyRange, KeyRange] {
    const all = prefixRange(`${this.prefix}ref/${hash}/`);
    const own = this.ref(hash, name);
    return [
      { start: all.start, end: own },
      { start: `${own}\u0000`, end: all.end },
    ];
  }
  /**
   * The refs of `hash` other than those of `names`, as the ranges between them: all empty means
   * `names` hold every reference to the contents.
   */
  refsExcept(hash: string, names: readonly string[]): KeyRange[] {
    const all = prefixRange(`${this.prefix}ref/${hash}/`);
    const own = [...new Set(names)].map((n) => this.ref(hash, n)).sort();
    const out: KeyRange[] = [];
    let start = all.start;
    for (const key of own) {
      out.push({ start, end: key });
      start = `${key}\u0000`;
    }
    out.push({ start, end: all.end });
    return out;
  }
  assignment(machineId: string, name: string): string {
    return `${this.prefix}assign/${machineId}/${name}`;
  }
  /** All assignments, or one machine's. */
  assignments(machineId?: string): KeyRange {
    return prefixRange(
      machineId === undefined ? `${this.prefix}assign/` : `${this.prefix}assign/${machineId}/`,
    );
  }
  /** The index entry of an assignment: written and removed in the same transaction as it. */
  placement(name: string, machineId: string): string {
    return `${this.prefix}placed/${name}/${machineId}`;
  }
  /** The index entries of one unit: the machines it is assigned to. */
  placements(name: string): KeyRange {
    return prefixRange(`${this.prefix}placed/${name}/`);
  }
  /** Present once the placement index also covers assignments written before it existed. */
  placementsReady(): string {
    return `${this.prefix}placed-ready`;
  }
  machine(machineId: string): string {
    return `${this.prefix}machine/${machineId}/object`;
  }
  metadata(machineId: string, key: string): string {
    return `${this.prefix}machine/${machineId}/metadata/${key}`;
  }
  /** Machine records and dynamic metadata of every machine. */
  machines(): KeyRange {
    return prefixRange(`${this.prefix}machine/`);
  }
  state(name: string, machineId: string): string {
    return `${this.prefix}state/${name}/${machineId}`;
  }
  /** All unit states, or one unit's. */
  states(name?: string): KeyRange {
    return prefixRange(
      name === undefined ? `${this.prefix}state/` : `${this.prefix}state/${name}/`,
    );
  }
  /** A machine's administrative state (cordoned, draining): not leased. */
  machineAdmin(machineId: string): string {
    return `${this.prefix}machine-admin/${machineId}`;
  }
  /** Every machine's administrative record. */
  machineAdmins(): KeyRange {
    return prefixRange(`${this.prefix}machine-admin/`);
  }
  leader(): string {
    return `${this.prefix}leader`;
  }
  /** The cluster's maintenance semaphore (docs/operating.md). */
  maintenance(): string {
    return `${this.prefix}maintenance`;
  }
  /** The current rollout record of a group (`web@.service`). */
  rollout(group: string): string {
    return `${this.prefix}rollout/${group}`;
  }
  /** Every group's current rollout record. */
  rollouts(): KeyRange {
    return prefixRange(`${this.prefix}rollout/`);
  }
  /** A finished rollout of a group; ids are zero-padded so key order is id order. */
  rolloutHistory(group: string, id: number): string {
    return `${this.prefix}rollout-history/${group}/${String(id).padStart(10, '0')}`;
  }
  /** The finished rollouts of one group, oldest first. */
  rolloutHistories(group: string): KeyRange {
    return prefixRange(`${this.prefix}rollout-history/${group}/`);
  }
  /**
   * The pin that keeps content `hash` while rollout `id` of `group` (current or in history) names
   * it: a ref whose name no unit can take (`=`), so content GC sees it as another user.
   */
  rolloutPin(hash: string, group: string, id: number): string {
    return this.ref(hash, `rollout=${group}=${id}`);
  }
  /** One event: the `index`-th (0-based) of the append `writeId`. */
  event(writeId: string, index: number): string {
    return `${this.prefix}event/${writeId}/${index.toString().padStart(6, '0')}`;
  }
  /** The whole event log. */
  events(): KeyRange {
    return prefixRange(`${this.prefix}event/`);
  }

  /** What a full key refers to, or `undefined` for a key outside this layout. */
  parse(key: string): ParsedKey | undefined {
    if (!key.startsWith(this.prefix)) return undefined;
    const parts = key.slice(this.prefix.length).split('/');
    const [kind, a, b, c] = parts;
    const ok = (n: number) => parts.length === n && parts.every((p) => p.length > 0);
    if (kind === 'leader' && ok(1)) return { kind: 'leader' };
    if (kind === 'maintenance' && ok(1)) return { kind: 'maintenance' };
    if (kind === 'placed-ready' && ok(1)) return { kind: 'placed-ready' };
    if (kind === 'unit-epoch' && ok(1)) return { kind: 'unit-epoch' };
    if (a === undefined) return undefined;
    switch (kind) {
      case 'unit':
        return ok(2) ? { kind: 'unit', name: a } : undefined;
      case 'reason':
        return ok(2) ? { kind: 'reason', name: a } : undefined;
      case 'content':
        return ok(2) ? { kind: 'content', hash: a } : undefined;
      case 'ref':
        return ok(3) && b !== undefined ? { kind: 'ref', hash: a, name: b } : undefined;
      case 'assign':
        return ok(3) && b !== undefined ? { kind: 'assign', machineId: a, name: b } : undefined;
      case 'state':
        return ok(3) && b !== undefined ? { kind: 'state', name: a, machineId: b } : undefined;
      case 'event':
        return ok(3) && b !== undefined && /^[0-9]{6}$/.test(b)
          ? { kind: 'event', writeId: a, index: Number(b) }
          : undefined;
      case 'placed':
        return ok(3) && b !== undefined ? { kind: 'placed', name: a, machineId: b } : undefined;
      case 'machine-admin':
        return ok(2) ? { kind: 'machine-admin', machineId: a } : undefined;
      case 'rollout':
        return ok(2) ? { kind: 'rollout', group: a } : undefined;
      case 'rollout-history':
        return ok(3) && b !== undefined && /^[0-9]{10}$/.test(b)
          ? { kind: 'rollout-history', group: a, id: Number(b) }
          : undefined;
      case 'machine':
        if (ok(3) && b === 'object') return { kind: 'machine', machineId: a };
        if (ok(4) && b === 'metadata' && c !== undefined) {
          return { kind: 'metadata', machineId: a, key: c };
        }
        return undefined;
      default:
        return undefined;
    }
  }
}
