// The Systemd contract against the real systemd (252) of a systemd-nspawn machine, driven from
// the host: DbusSystemd connects to the machine's system bus socket through
// /proc/<PID 1>/root and writes unit files there, while systemd is given in-machine paths.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DbusSystemd, DEFAULT_UNITS_DIR, type Systemd } from '@fleet/systemd';
import { SocketProxy, systemdContract, type SystemdHarness } from '@fleet/systemd/testing';
import { afterAll, beforeAll } from 'vitest';
import { bootMachines, type Machines } from './src/index.js';

let machines: Machines | undefined;
let root = '';

beforeAll(async () => {
  machines = await bootMachines(1);
  const init = machines.list[0]?.initProcess;
  if (init === undefined) throw new Error('node1 has no PID 1');
  root = `/proc/${init.pid}/root`;
});

afterAll(async () => {
  await machines?.teardown();
});

async function realHarness(): Promise<SystemdHarness> {
  const busSocket = join(root, 'run/dbus/system_bus_socket');
  const systemd = await DbusSystemd.connect({
    busAddress: `unix:path=${busSocket}`,
    filesRoot: root,
    callTimeoutMs: 5_000,
  });
  const stray: string[] = [];
  const others: Systemd[] = [];
  const proxies: SocketProxy[] = [];
  return {
    systemd,
    time: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    putStrayFile: async (fileName, content) => {
      stray.push(fileName);
      await writeFile(join(root, DEFAULT_UNITS_DIR, fileName), content);
    },
    unavailable: async () => {
      // A bus that accepts the connection and then never answers: the worst case.
      const proxy = await SocketProxy.start(busSocket);
      proxy.freeze();
      proxies.push(proxy);
      const broken = new DbusSystemd({
        busAddress: proxy.address,
        filesRoot: root,
        callTimeoutMs: 500,
      });
      others.push(broken);
      return broken;
    },
    close: async () => {
      await Promise.all([systemd, ...others].map((s) => s.close()));
      await Promise.all(proxies.map((p) => p.close()));
      await Promise.all(stray.map((f) => rm(join(root, DEFAULT_UNITS_DIR, f), { force: true })));
    },
  };
}

systemdContract('DbusSystemd against systemd in a systemd-nspawn machine', realHarness);
