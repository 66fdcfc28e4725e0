// Which new units of a plan may start as soon as their own file is written and linked, before the
// plan's other loads end: a new file needs no daemon-reload (systemd reads it when the unit is
// first used), so waiting for every load of the pass only delays the first starts.
import type { AgentTask } from '@fleet/scheduler';
import type { Contents } from './relations.js';

/** Names that end like a unit (after specifiers such as `%i` are put in). */
const UNIT_LIKE = /\.(service|socket|timer|path|device|mount|automount|swap|target|slice|scope)$/;

/**
 * The units of `tasks` whose start may follow their own load at once. None if the plan unloads
 * anything (its daemon-reload may be needed by any start). A unit waits for the plan's loads, as
 * before, if starting it could touch another unit this plan loads, which systemd would then read
 * before its file is there: one of its options names such a unit (or a unit through a specifier,
 * as in `bar@%i.service`), such a unit names it (`WantedBy=` would pull that unit into its
 * start once enabled), or it shares its stem with one of another type (`foo.socket` triggers `foo.service`,
 * `foo.socket` with `Accept=yes` triggers `foo@.service`).
 */
export function earlyStarts(tasks: readonly AgentTask[], contents: Contents | Error): Set<string> {
  const out = new Set<string>();
  if (contents instanceof Error || tasks.some((t) => t.kind === 'unload')) return out;
  const started = new Set(tasks.flatMap((t) => (t.kind === 'start' ? [t.unit] : [])));
  const loads = tasks.flatMap((t) => (t.kind === 'load' ? [t] : []));
  const loaded = new Set(loads.map((t) => t.unit));
  const types = new Map<string, Set<string>>(); // stem → the unit types loaded with it
  for (const u of loaded) {
    const set = types.get(stem(u)) ?? new Set<string>();
    set.add(u.slice(u.lastIndexOf('.')));
    types.set(stem(u), set);
  }
  // Units named by another unit of the plan: its [Install] section may make it a dependency
  // (`WantedBy=`), which their start would pull in once it is enabled.
  const named = new Set<string>();
  const touching = new Set<string>();
  for (const t of loads) {
    const options = contents.get(t.hash);
    if (options === undefined) continue;
    for (const o of options)
      for (const w of o.value.split(/[\s,;=]+/)) {
        if (w !== t.unit && loaded.has(w)) {
          named.add(w);
          touching.add(t.unit);
        } else if (w.includes('%') && UNIT_LIKE.test(w)) touching.add(t.unit);
      }
  }
  for (const t of loads) {
    if (!started.has(t.unit) || !contents.has(t.hash)) continue;
    if (named.has(t.unit) || touching.has(t.unit) || (types.get(stem(t.unit))?.size ?? 0) > 1)
      continue;
    out.add(t.unit);
  }
  return out;
}

/** `foo` for `foo.service`, `foo@1.socket` and `foo@.service`. */
function stem(unit: string): string {
  const at = unit.indexOf('@');
  return at >= 0 ? unit.slice(0, at) : unit.slice(0, unit.lastIndexOf('.'));
}
