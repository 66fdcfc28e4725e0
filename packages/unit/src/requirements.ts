// What a unit's [X-Fleet] section asks of the scheduler.
import { compareStrings } from './compare.js';
import { goTrim } from './go-space.js';
import { splitMultiValue } from './multivalue.js';
import { splitUnitName } from './name.js';
import type { UnitOption } from './option.js';
import { X_FLEET_SECTION } from './sections.js';
import { isDeployKey } from './x-fleet-keys.js';
import { substituteSpecifiers } from './specifiers.js';

/** A unit's scheduling requirements, read from its `[X-Fleet]` section. */
export interface FleetRequirements {
  /** Machine the unit must run on (`MachineID=` and its aliases; first value wins). */
  machineId: string | undefined;
  /** Units this one must share a machine with (`MachineOf=`), all of them. */
  machineOf: readonly string[];
  /**
   * Required machine metadata (`MachineMetadata=key=value`): a machine qualifies if, for
   * every key, its value is one of the listed ones. Keys sorted; values in file order.
   */
  machineMetadata: Readonly<Record<string, readonly string[]>>;
  /** Globs of units this one must not share a machine with (`Conflicts=`). */
  conflicts: readonly string[];
  /** Globs of units whose machine this unit takes over (`Replaces=`). */
  replaces: readonly string[];
  /** `Global=true`: run on every qualifying machine. */
  global: boolean;
  /** Human-readable notes about options that were ignored or are deprecated. */
  warnings: readonly string[];
}

type Requirement = 'machineOf' | 'machineMetadata' | 'conflicts' | 'replaces';

interface KeyInfo {
  readonly requirement: Requirement | 'machineId' | 'global';
  /** The current name, for deprecated aliases. */
  readonly replacement?: string;
}

/** Every `[X-Fleet]` key fleet understands. */
const KEYS: ReadonlyMap<string, KeyInfo> = new Map<string, KeyInfo>([
  ['MachineID', { requirement: 'machineId' }],
  ['MachineBootID', { requirement: 'machineId' }],
  ['MachineOf', { requirement: 'machineOf' }],
  ['MachineMetadata', { requirement: 'machineMetadata' }],
  ['Conflicts', { requirement: 'conflicts' }],
  ['Global', { requirement: 'global' }],
  ['Replaces', { requirement: 'replaces' }],
  ['X-ConditionMachineID', { requirement: 'machineId', replacement: 'MachineID' }],
  ['X-ConditionMachineBootID', { requirement: 'machineId', replacement: 'MachineID' }],
  ['X-ConditionMachineOf', { requirement: 'machineOf', replacement: 'MachineOf' }],
  [
    'X-ConditionMachineMetadata',
    { requirement: 'machineMetadata', replacement: 'MachineMetadata' },
  ],
  ['X-Conflicts', { requirement: 'conflicts', replacement: 'Conflicts' }],
]);

/** Every [X-Fleet] key read as a scheduling requirement (deprecated spellings too). */
export const REQUIREMENT_KEYS: readonly string[] = [...KEYS.keys()];

/** Keys that name a machine, most authoritative first (fleet's lookup order). */
const MACHINE_ID_KEYS = [
  'MachineID',
  'X-ConditionMachineID',
  'MachineBootID',
  'X-ConditionMachineBootID',
];

const TRUTHY = new Set(['true', 'yes', '1', 'on', 't']);

/** The words of a whitespace-separated list. */
function words(item: string): string[] {
  return item.split(/\s+/).filter((word) => word !== '');
}

function parseMetadata(items: readonly string[], warnings: string[]): Record<string, string[]> {
  const metadata = new Map<string, string[]>();
  for (const item of items) {
    const parts = item.split('=');
    const key = goTrim(parts[0] ?? '');
    const value = goTrim(parts[1] ?? '');
    if (parts.length !== 2 || key === '' || value === '') {
      warnings.push(
        `ignoring MachineMetadata entry ${JSON.stringify(item)}: ` +
          'expected key=value with a non-empty key and value and a single "="',
      );
      continue;
    }
    const values = metadata.get(key);
    if (values === undefined) metadata.set(key, [value]);
    else if (!values.includes(value)) values.push(value);
  }
  const keys = [...metadata.keys()].sort(compareStrings);
  return Object.fromEntries(keys.map((key) => [key, metadata.get(key) ?? []]));
}

/**
 * Reads the `[X-Fleet]` requirements of a unit. Quoted multi-values
 * (`MachineMetadata="a=b" "c=d"`) are split, `Conflicts=` values are also split on
 * whitespace, deprecated aliases (`X-ConditionMachineID`, `X-ConditionMachineBootID`,
 * `X-ConditionMachineOf`, `X-ConditionMachineMetadata`, `X-Conflicts`) count as their
 * current names, and the specifiers `%n %N %p %i %%` are replaced using `unitName`.
 * Unknown keys and malformed metadata entries are ignored with a warning.
 *
 * This never throws; {@link validateUnitOptions} also rejects invalid combinations.
 */
export function fleetRequirements(
  unitName: string,
  options: readonly UnitOption[],
): FleetRequirements {
  const unit = splitUnitName(unitName);
  const warnings: string[] = [];
  const warned = new Set<string>();
  /** First value of each machine-ID key. */
  const machineIds = new Map<string, string>();
  const lists: Record<Requirement, string[]> = {
    machineOf: [],
    machineMetadata: [],
    conflicts: [],
    replaces: [],
  };
  let global = false;

  for (const option of options) {
    if (option.section !== X_FLEET_SECTION) continue;
    const info = KEYS.get(option.name);
    if (info === undefined) {
      if (isDeployKey(option.name)) continue;
      if (!warned.has(option.name)) {
        warned.add(option.name);
        warnings.push(
          `unrecognized requirement in [X-Fleet] section: ${JSON.stringify(option.name)}`,
        );
      }
      continue;
    }
    if (info.replacement !== undefined && !warned.has(option.name)) {
      warned.add(option.name);
      warnings.push(`[X-Fleet] ${option.name} is deprecated; use ${info.replacement}`);
    }
    // Trimmed as a unit file's value is read (an API client may send `Global=true `).
    const items = splitMultiValue(goTrim(option.value)).map((item) =>
      substituteSpecifiers(item, unit),
    );
    if (info.requirement === 'global') {
      // The last value wins; an empty value resets to false.
      global = TRUTHY.has((items.at(-1) ?? '').toLowerCase());
      continue;
    }
    if (info.requirement === 'machineId') {
      const first = items[0];
      if (first !== undefined && !machineIds.has(option.name)) machineIds.set(option.name, first);
      continue;
    }
    lists[info.requirement].push(
      ...(info.requirement === 'conflicts' ? items.flatMap(words) : items),
    );
  }

  const machineId = MACHINE_ID_KEYS.map((key) => machineIds.get(key)).find(
    (id) => id !== undefined,
  );
  return {
    machineId,
    machineOf: lists.machineOf,
    machineMetadata: parseMetadata(lists.machineMetadata, warnings),
    conflicts: lists.conflicts,
    replaces: lists.replaces,
    global,
    warnings,
  };
}
