// fleetd's exit status for a configuration it refuses: EX_CONFIG, which units/fleet.service keeps
// systemd from restarting every 5 s.
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT_CONFIG, runFleetd } from './lifecycle.js';

afterEach(() => vi.restoreAllMocks());

describe('runFleetd with a configuration it refuses', () => {
  it.each([
    [['--agent_ttl=soon']],
    [['--units_directory=/etc/systemd/system']],
    [['--no-such-option=1']],
    [['--agent_self_fence=maybe']],
    [['--metrics_listen=9100']],
    [['-config', '/nonexistent/fleet.conf']],
  ])('%j exits with EX_CONFIG and one line', async (argv) => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    expect(await runFleetd({ argv, env: {} })).toBe(EXIT_CONFIG);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fleetd: [^\n]+\n$/);
  });

  it('is the status fleet.service does not restart on', async () => {
    const unit = await readFile(new URL('../../../units/fleet.service', import.meta.url), 'utf8');
    expect(unit).toMatch(new RegExp(`^RestartPreventExitStatus=${EXIT_CONFIG}$`, 'm'));
  });
});
