import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { NoMachineIdError } from './errors.js';

/**
 * The machine ID from `/etc/machine-id` (trimmed). Missing or empty is fatal, with fleet's words:
 * the machine cannot join a cluster without an identity.
 */
export async function readMachineId(path = '/etc/machine-id'): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NoMachineIdError(`unable to determine local machine ID: cannot read ${path}`, {
      cause: err,
    });
  }
  const id = text.trim();
  if (id === '')
    throw new NoMachineIdError(`unable to determine local machine ID: ${path} is empty`);
  if (!/^[A-Za-z0-9._-]+$/.test(id)) {
    throw new NoMachineIdError(`unable to determine local machine ID: ${path} holds an invalid ID`);
  }
  return id;
}

/** The interface of the IPv4 default route, from the kernel's routing table text. */
export function defaultRouteInterface(procNetRoute: string): string | undefined {
  for (const line of procNetRoute.split('\n').slice(1)) {
    const [iface, destination, , flags, , , metric, mask] = line.trim().split(/\s+/);
    if (iface === undefined || destination !== '00000000' || mask !== '00000000') continue;
    if ((Number.parseInt(flags ?? '0', 16) & 1) === 0) continue; // RTF_UP
    void metric;
    return iface;
  }
  return undefined;
}

/**
 * fleet's automatic public IP: the first global IPv4 address of the default route's interface.
 * `undefined` when there is no default route (a machine with loopback only).
 */
export async function detectPublicIP(routeFile = '/proc/net/route'): Promise<string | undefined> {
  const text = await readFile(routeFile, 'utf8').catch(() => '');
  const iface = defaultRouteInterface(text);
  if (iface === undefined) return undefined;
  for (const a of networkInterfaces()[iface] ?? []) {
    if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}
