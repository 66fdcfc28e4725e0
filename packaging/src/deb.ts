// What goes into the .deb besides the executable, as text: the control file, the maintainer
// scripts, the systemd units rewritten for /usr/bin, and the example /etc/fleet/fleet.conf.
// Pure: build.ts writes these into the package tree and runs dpkg-deb.

/** Where the checkout's units/ expect fleet (the README's copy-the-checkout install). */
export const CHECKOUT_FLEETD = '/opt/fleet/bin/fleetd';
/** Where the package puts fleetd (a link to /usr/bin/fleet). */
export const PACKAGE_FLEETD = '/usr/bin/fleetd';
/** The units the package installs, from units/. */
export const UNIT_FILES = [
  'fleet.service',
  'fleet.socket',
  'fleet-read.socket',
  'fleet-tcp.socket',
] as const;
/** The group fleet-read.socket gives its socket (SocketGroup=). */
export const READ_GROUP = 'fleet-read';

const EXEC_START = `ExecStart=${CHECKOUT_FLEETD}`;

/** fleet's programs under /opt/fleet/bin, and where the package puts them. */
const PROGRAM_PATH = /\/opt\/fleet\/bin\/(fleetd|fleetctl)\b/g;

/**
 * A unit of units/ as the package installs it. fleet.service must hold exactly one
 * `ExecStart=/opt/fleet/bin/fleetd` line (with or without arguments). /opt/fleet/bin/fleetd and
 * /opt/fleet/bin/fleetctl become /usr/bin/fleetd and /usr/bin/fleetctl (links to /usr/bin/fleet);
 * comment lines that still speak of /opt/fleet go; any other mention of /opt/fleet is an error
 * (the package would run something that is not there).
 */
export function packagedUnit(name: string, text: string): string {
  const lines = text.split('\n');
  if (name === 'fleet.service') {
    const starts = lines.filter((l) => l === EXEC_START || l.startsWith(`${EXEC_START} `));
    if (starts.length !== 1) {
      throw new Error(
        `units/fleet.service: expected exactly one "${EXEC_START}" line, found ${starts.length}`,
      );
    }
  }
  const out: string[] = [];
  for (const line of lines) {
    const moved = line.replace(PROGRAM_PATH, '/usr/bin/$1');
    if (!moved.includes('/opt/fleet')) out.push(moved);
    else if (!moved.trimStart().startsWith('#')) {
      throw new Error(`units/${name}: names /opt/fleet outside fleet's programs: ${line}`);
    }
  }
  return out.join('\n');
}

export interface ControlFields {
  readonly version: string;
  /** The unpacked size in KiB (dpkg's Installed-Size). */
  readonly installedSizeKiB: number;
}

/** A Debian version from package.json's (npm's `-pre` becomes `~pre`, which sorts before). */
export function debianVersion(npmVersion: string): string {
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(npmVersion)) {
    throw new Error(`package.json: version ${JSON.stringify(npmVersion)} is not x.y.z[-pre]`);
  }
  return npmVersion.replace('-', '~');
}

/** DEBIAN/control. */
export function control(f: ControlFields): string {
  return [
    'Package: fleet',
    `Version: ${debianVersion(f.version)}`,
    'Architecture: amd64',
    'Maintainer: fleet-ts maintainers <root@localhost>',
    `Installed-Size: ${f.installedSizeKiB}`,
    'Depends: systemd, dbus',
    'Section: admin',
    'Priority: optional',
    'Description: cluster-wide systemd unit scheduler on etcd v3',
    ' fleet schedules systemd units across a cluster as if it were one init system:',
    ' fleetd runs on every machine, fleetctl drives the cluster. One self-contained',
    ' executable (/usr/bin/fleet, with the Node.js runtime inside) answers as fleetd',
    ' and fleetctl. Needs etcd v3, reachable from every machine.',
    '',
  ].join('\n');
}

/** DEBIAN/conffiles. */
export const CONFFILES = '/etc/fleet/fleet.conf\n';

/** /etc/fleet/fleet.conf as installed: every line a comment. */
export const FLEET_CONF = `# fleetd's configuration (fleet's own fleet.conf format). Set etcd_servers, then:
#   systemctl enable --now fleet.socket fleet.service
# Every option: fleetd --help, and packages/fleetd/README.md in fleet's source.
#
# etcd_servers=http://10.0.0.1:2379,http://10.0.0.2:2379,http://10.0.0.3:2379
# public_ip=10.0.1.7
# metadata=region=eu,disk=ssd
#
# etcd over TLS, with a client certificate (files under /etc/fleet):
# etcd_cafile=/etc/fleet/etcd-ca.pem
# etcd_certfile=/etc/fleet/etcd-client.pem
# etcd_keyfile=/etc/fleet/etcd-client-key.pem
#
# Prometheus: GET /metrics alone on this address, without the API and without authentication:
# metrics_listen=10.0.1.7:9479
`;

const SYSTEMD_RUNNING = '[ -d /run/systemd/system ]';
const SOCKETS = UNIT_FILES.filter((u) => u.endsWith('.socket')).join(' ');

/**
 * DEBIAN/postinst. First install: the group of the read-only socket and a daemon-reload; nothing
 * is enabled or started (fleet.conf must name etcd first). Upgrade: daemon-reload, then
 * `try-restart` of a running fleet.service (a stopped one stays stopped).
 */
export const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group ${READ_GROUP} >/dev/null || groupadd --system ${READ_GROUP}
  if ${SYSTEMD_RUNNING}; then
    systemctl daemon-reload
    if [ -n "$2" ]; then
      systemctl try-restart fleet.service
    fi
  fi
fi
exit 0
`;

/**
 * DEBIAN/prerm. Removal stops fleet: its sockets first (a connection would start it again), then
 * fleet.service, which drains the machine (its units are stopped here and scheduled elsewhere).
 * An upgrade stops nothing: the new postinst restarts it.
 */
export const PRERM = `#!/bin/sh
set -e
if [ "$1" = remove ] && ${SYSTEMD_RUNNING}; then
  systemctl stop ${SOCKETS} || true
  systemctl stop fleet.service
fi
exit 0
`;

/**
 * DEBIAN/postrm. Removal: daemon-reload. Purge: /etc/fleet and the units' enablement links go.
 */
export const POSTRM = `#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /etc/fleet
  for u in fleet.service ${SOCKETS}; do
    rm -f /etc/systemd/system/*.wants/"$u"
  done
fi
if { [ "$1" = remove ] || [ "$1" = purge ]; } && ${SYSTEMD_RUNNING}; then
  systemctl daemon-reload || true
fi
exit 0
`;

/** INSTALL in the tarball. */
export function installText(version: string): string {
  return `fleet ${version} for Linux x86-64: one executable, no Node.js needed to run it.

As root, on every machine (systemd and D-Bus needed; etcd v3 reachable from every machine):

  install -m 0755 fleet /usr/bin/fleet
  ln -sf fleet /usr/bin/fleetd
  ln -sf fleet /usr/bin/fleetctl
  install -m 0644 units/*.service units/*.socket /usr/lib/systemd/system/
  install -d /etc/fleet
  install -m 0644 fleet.conf /etc/fleet/fleet.conf   # then set etcd_servers in it
  getent group ${READ_GROUP} >/dev/null || groupadd --system ${READ_GROUP}
  systemctl daemon-reload
  systemctl enable --now fleet.socket fleet.service

fleetctl list-machines shows the machine once fleetd has registered. \`fleet fleetd ...\` and
\`fleet fleetctl ...\` work without the links. On Debian and Ubuntu the .deb does all of this
(dpkg -i fleet_${debianVersion(version)}_amd64.deb). Check the files with sha256sum -c SHA256SUMS.
`;
}
