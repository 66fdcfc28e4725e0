import { copyFile } from 'node:fs/promises';
import { FleetClient } from '@fleet/client';
import { fleetDeb } from './fleet-deb.js';
import type { NspawnMachine } from './machine.js';

/** How a machine's fleetd is configured for a test (written to /etc/fleet/fleet.conf). */
export interface FleetInstall {
  /** etcd as this machine reaches it (a TcpProxy URL when the test cuts the link). */
  readonly etcdUrl: string;
  readonly prefix: string;
  /**
   * fleet's agent_ttl, e.g. `5s` (short, so fault tests are quick; the default). `null` writes no
   * agent_ttl line: fleetd's own default applies (what the cluster bench measures).
   */
  readonly agentTtl?: string | null;
  readonly metadata?: string;
  /** More `key=value` lines for fleet.conf. */
  readonly extra?: readonly string[];
  /** Also listen on TCP `<machine address>:49153` (plain HTTP). */
  readonly tcp?: boolean;
  /** The .deb to install (default: `fleetDeb()`, built from this checkout). */
  readonly deb?: string;
}

/** Runs a shell command inside the machine; throws with its output if it fails. */
export async function sh(m: NspawnMachine, script: string, timeoutMs = 30_000): Promise<string> {
  const r = await m.exec('sh', ['-c', script], timeoutMs);
  if (r.code !== 0)
    throw new Error(`${m.name}: \`${script}\` exited ${String(r.code)}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Where `installPackage` puts the .deb inside the machine (removed once installed). */
const DEB_INSIDE = '/root/fleet.deb';

/**
 * Installs fleet's .deb (`fleetDeb()`, or `deb`) on a machine as a user would: copied into the
 * machine, `dpkg -i`. Nothing is enabled or started (the package starts nothing on a first
 * install). Throws if the machine has the checkout at /opt/fleet or a Node.js it was not given
 * on purpose (`bindNode`): the package must need neither.
 */
export async function installPackage(m: NspawnMachine, deb?: string): Promise<void> {
  const file = deb ?? (await fleetDeb());
  const init = m.initProcess;
  if (init === undefined) throw new Error(`machine ${m.name} is not running`);
  // Into the machine's own /root, through its root as the host sees it.
  await copyFile(file, `/proc/${init.pid}/root${DEB_INSIDE}`);
  const binds = m.binds;
  await sh(
    m,
    [
      'set -e',
      ...(binds.checkout
        ? []
        : ['if [ -e /opt/fleet ]; then echo "/opt/fleet exists" >&2; exit 1; fi']),
      ...(binds.node
        ? []
        : ['if command -v node nodejs; then echo "Node.js is installed" >&2; exit 1; fi']),
      `dpkg -i ${DEB_INSIDE} >/dev/null`,
      `rm ${DEB_INSIDE}`,
    ].join('\n'),
    120_000,
  );
}

/**
 * Installs fleet on a machine as the README tells users to: the .deb (`installPackage`), then
 * /etc/fleet/fleet.conf and the units enabled (`configureFleet`). fleetd runs as /usr/bin/fleetd
 * (a link to the `fleet` executable) from the packaged units.
 */
export async function installFleet(m: NspawnMachine, opts: FleetInstall): Promise<void> {
  await installPackage(m, opts.deb);
  await configureFleet(m, opts);
}

/**
 * Writes /etc/fleet/fleet.conf for an installed package, then
 * `systemctl enable --now fleet.socket fleet.service`.
 */
export async function configureFleet(
  m: NspawnMachine,
  opts: Omit<FleetInstall, 'deb'>,
): Promise<void> {
  const conf = [
    `etcd_servers=${opts.etcdUrl}`,
    `etcd_key_prefix=${opts.prefix}`,
    `public_ip=${m.address}`,
    ...(opts.agentTtl === null ? [] : [`agent_ttl=${opts.agentTtl ?? '5s'}`]),
    ...(opts.metadata !== undefined ? [`metadata=${opts.metadata}`] : []),
    ...(opts.tcp === true ? [`listen_tcp=${m.address}:49153`] : []),
    ...(opts.extra ?? []),
  ].join('\n');
  await sh(
    m,
    [
      'set -e',
      `cat > /etc/fleet/fleet.conf <<'CONF'\n${conf}\nCONF`,
      'systemctl enable --now fleet.socket fleet.service',
    ].join('\n'),
  );
}

/** A client of the machine's fleet API through its unix socket, seen from the host. */
export function fleetClient(m: NspawnMachine): FleetClient {
  const init = m.initProcess;
  if (init === undefined) throw new Error(`machine ${m.name} is not running`);
  return new FleetClient({
    // /var/run is a symlink to /run, which the host would resolve against its own root.
    endpoint: `unix:///proc/${init.pid}/root/run/fleet.sock`,
    timeoutMs: 5_000,
  });
}

/** `systemctl show -p PROP --value UNIT` inside the machine. */
export async function unitProperty(m: NspawnMachine, unit: string, prop: string): Promise<string> {
  return (await sh(m, `systemctl show -p ${prop} --value ${unit}`)).trim();
}

/**
 * Where each of `units` is active, read from every machine's systemd (not from fleet's state):
 * unit -> `machine-name:MainPID`. Throws if a unit is active on two machines.
 */
export async function activeCopies(
  machines: readonly NspawnMachine[],
  units: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of machines) {
    if (!m.running) continue;
    for (const [unit, pid] of await activeOn(m, units)) {
      if (out.has(unit)) throw new Error(`${unit} is active on two machines`);
      out.set(unit, `${m.name}:${pid}`);
    }
  }
  return out;
}

/** The units of `units` active in the machine's systemd, with their MainPID. */
export async function activeOn(
  m: NspawnMachine,
  units: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await sh(m, `systemctl show -p Id -p ActiveState -p MainPID ${units.join(' ')}`);
  for (const block of text.trim().split(/\n\s*\n/)) {
    const p = new Map(block.split('\n').map((l) => l.split('=', 2) as [string, string]));
    if (p.get('ActiveState') === 'active') out.set(p.get('Id') ?? '', p.get('MainPID') ?? '');
  }
  return out;
}
