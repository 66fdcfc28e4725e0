// How the fake reads a unit file: just enough of systemd's rules to decide the load state,
// how the unit behaves when started, and what enabling it links.
import { parseUnitFile, splitUnitName } from '@fleet/unit';
import type { LoadState } from '../systemd.js';

/** What the fake knows about one unit file. */
export interface FakeUnitConfig {
  /** `loaded`, or `error` (does not parse), or `bad-setting` (e.g. a service without ExecStart=). */
  readonly load: LoadState;
  /** The unit type: `service`, `socket`, … */
  readonly unitType: string;
  /** `[Service] Type=` (default `simple`). */
  readonly serviceType: string;
  readonly remainAfterExit: boolean;
  /** The base name of the last `ExecStart=` executable (`false`, `sleep`, …), if any. */
  readonly command: string | undefined;
  /** `[Install]` WantedBy=, RequiredBy=, Alias=, Also= (space-separated lists, split). */
  readonly wantedBy: readonly string[];
  readonly requiredBy: readonly string[];
  readonly alias: readonly string[];
  readonly also: readonly string[];
}

const EXEC_PREFIX = /^[@\-:+!]+/;

/**
 * What was read from each content, by unit type and content: systemd parses a file when it loads
 * it, not on every state read; parsing on every read made the fake, not the agent, the cost of a
 * thousand simulated machines. Bounded: cleared when full.
 */
const read = new Map<string, FakeUnitConfig>();
const READ_MAX = 4096;

/** Reads `content` as the unit file of `name`. */
export function fakeUnitConfig(name: string, content: string): FakeUnitConfig {
  const unitType = splitUnitName(name).type;
  const key = `${unitType}\n${content}`;
  const known = read.get(key);
  if (known !== undefined) return known;
  const config = readConfig(unitType, content);
  if (read.size >= READ_MAX) read.clear();
  read.set(key, config);
  return config;
}

function readConfig(unitType: string, content: string): FakeUnitConfig {
  let options;
  try {
    options = parseUnitFile(content);
  } catch {
    return { ...EMPTY, load: 'error', unitType };
  }
  const values = (section: string, key: string): string[] =>
    options.filter((o) => o.section === section && o.name === key).map((o) => o.value);
  const list = (key: string): string[] =>
    values('Install', key).flatMap((v) => v.split(/\s+/).filter((w) => w !== ''));
  const execStart = values('Service', 'ExecStart').filter((v) => v !== '');
  const lastExec = execStart[execStart.length - 1];
  const executable = lastExec?.split(/\s+/)[0]?.replace(EXEC_PREFIX, '');
  const bool = (v: string | undefined): boolean => /^(1|yes|true|on)$/i.test(v ?? '');
  const serviceType = values('Service', 'Type').pop() ?? 'simple';
  const badExec =
    unitType === 'service' &&
    ((lastExec === undefined && values('Service', 'ExecStop').length === 0) ||
      (executable !== undefined && executable.includes('/') && !executable.startsWith('/')));
  return {
    load: badExec ? 'bad-setting' : 'loaded',
    unitType,
    serviceType,
    remainAfterExit: bool(values('Service', 'RemainAfterExit').pop()),
    command: executable?.split('/').pop(),
    wantedBy: list('WantedBy'),
    requiredBy: list('RequiredBy'),
    alias: list('Alias'),
    also: list('Also'),
  };
}

const EMPTY: FakeUnitConfig = {
  load: 'loaded',
  unitType: '',
  serviceType: 'simple',
  remainAfterExit: false,
  command: undefined,
  wantedBy: [],
  requiredBy: [],
  alias: [],
  also: [],
};

/** Whether enabling the unit has anything to link (systemd's `carries_install_info`). */
export function carriesInstallInfo(config: FakeUnitConfig): boolean {
  return (
    config.wantedBy.length + config.requiredBy.length + config.alias.length + config.also.length > 0
  );
}

/** The sub-state of a unit of this type once it is active. */
export function activeSubState(config: FakeUnitConfig): string {
  switch (config.unitType) {
    case 'service':
      return config.serviceType === 'oneshot' ? 'exited' : 'running';
    case 'socket':
      return 'listening';
    case 'mount':
      return 'mounted';
    case 'device':
      return 'plugged';
    case 'scope':
      return 'running';
    case 'timer':
    case 'path':
    case 'automount':
      return 'waiting';
    default:
      return 'active';
  }
}
