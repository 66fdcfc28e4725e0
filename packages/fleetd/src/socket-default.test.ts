import { readFileSync } from 'node:fs';
import { DEFAULT_SOCKET_PATH } from '@fleet/api';
import { DEFAULT_ENDPOINT } from '@fleet/client';
import { describe, expect, it } from 'vitest';
import { buildConfig } from './config.js';

// fleetd creates its default socket only when systemd passed none (it compares `listen_unix` with
// the API's default to tell), so the three defaults must name the one path units/fleet.socket uses.
describe('the API socket path', () => {
  it('is /run/fleet.sock in fleetd, the API server and fleetctl alike (not /var/run)', () => {
    expect(buildConfig({}).config.listenUnix).toBe('/run/fleet.sock');
    expect(DEFAULT_SOCKET_PATH).toBe('/run/fleet.sock');
    expect(DEFAULT_ENDPOINT).toBe('unix:///run/fleet.sock');
    const socketUnit = readFileSync(
      new URL('../../../units/fleet.socket', import.meta.url),
      'utf8',
    );
    expect(socketUnit.match(/^ListenStream=.*$/gm)).toEqual(['ListenStream=/run/fleet.sock']);
  });
});
