import { FleetClient } from '@fleet/client';
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
}

/** Runs a shell command inside the machine; throws with its output if it fails. */
export async function sh(m: NspawnMachine, script: string, timeoutMs = 30_000): Promise<string> {
  const r = await m.exec('sh', ['-c', script], timeoutMs);
  if (r.code !== 0)
    throw new Error(`${m.name}: \`${script}\` exited ${String(r.code)}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Installs fleet on a machine as the README tells operators to: fleet.conf, then
 * `units/fleet.socket` and `units/fleet.service` (the project is bound at /opt/fleet) enabled and
 * started with systemctl.
 */
export async function installFleet(m: NspawnMachine, opts: FleetInstall): Promise<void> {
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
      'mkdir -p /etc/fleet',
      `cat > /etc/fleet/fleet.conf <<'CONF'\n${conf}\nCONF`,
      'cp /opt/fleet/units/fleet.socket /opt/fleet/units/fleet.service /etc/systemd/system/',
      'systemctl daemon-reload',
      'systemctl enable --now fleet.socket',
      'systemctl start fleet.service',
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
