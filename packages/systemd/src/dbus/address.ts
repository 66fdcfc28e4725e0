// Which bus to talk to. dbus-next's own `systemBus()` ignores every option but reads
// DBUS_SYSTEM_BUS_ADDRESS, so we resolve the address ourselves and always pass it explicitly.

/** `system`: the system bus (PID 1's systemd). `user`: the user's bus (fleet's `systemd_user`). */
export type BusKind = 'system' | 'user';

/** The default system bus socket (what libsystemd and dbus-next use). */
export const SYSTEM_BUS_ADDRESS = 'unix:path=/run/dbus/system_bus_socket';

/** What the address is resolved from; defaults to the process's own environment and uid. */
export interface AddressEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly uid: number;
}

/**
 * The D-Bus address for a bus: an explicit `address` wins; otherwise, for the system bus,
 * `DBUS_SYSTEM_BUS_ADDRESS` or the standard socket; for the user bus,
 * `DBUS_SESSION_BUS_ADDRESS`, or `$XDG_RUNTIME_DIR/bus`, or `/run/user/<uid>/bus`.
 */
export function resolveBusAddress(
  kind: BusKind,
  address: string | undefined,
  from: AddressEnv = { env: process.env, uid: process.getuid?.() ?? 0 },
): string {
  if (address !== undefined && address !== '') return address;
  const { env, uid } = from;
  if (kind === 'system') return env['DBUS_SYSTEM_BUS_ADDRESS'] || SYSTEM_BUS_ADDRESS;
  const session = env['DBUS_SESSION_BUS_ADDRESS'];
  if (session) return session;
  const runtimeDir = env['XDG_RUNTIME_DIR'] || `/run/user/${uid}`;
  return `unix:path=${runtimeDir}/bus`;
}
