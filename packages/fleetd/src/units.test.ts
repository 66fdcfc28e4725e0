// fleetd's own systemd units, as operators install them from units/.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const unit = (name: string) =>
  readFile(fileURLToPath(new URL(`../../../units/${name}`, import.meta.url)), 'utf8');

describe('units/fleet.service', () => {
  it('reloads with SIGHUP, so `systemctl reload fleet` re-reads fleet.conf without a drain', async () => {
    const text = await unit('fleet.service');
    expect(text).toMatch(/^\[Service\][^[]*^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });
});
