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

  it("keeps journald's priority prefix on and grpc-js's own stderr lines off", async () => {
    const text = await unit('fleet.service');
    expect(text).toMatch(/^\[Service\][^[]*^SyslogLevelPrefix=yes$/m);
    expect(text).toMatch(/^\[Service\][^[]*^Environment=GRPC_VERBOSITY=NONE$/m);
    // fleet.env (read after it) may override it.
    expect(text.indexOf('GRPC_VERBOSITY')).toBeLessThan(text.indexOf('EnvironmentFile='));
  });
});
