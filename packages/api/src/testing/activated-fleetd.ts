// A fleetd stand-in for the socket-activation test: serves the API over an in-memory registry on
// the sockets systemd (here: the test) passed, prints its listeners as one JSON line, and exits
// cleanly on SIGTERM. Run with `node --conditions=source --import tsx`. With FLEET_TEST_TLS_DIR (a
// TestPki's directory), TCP sockets get TLS with its server certificate and CA.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemoryRegistry } from '@fleet/registry';
import { createApi } from '../api.js';
import { FleetServer } from '../server/fleet-server.js';

const tlsDir = process.env['FLEET_TEST_TLS_DIR'];
const registry = new InMemoryRegistry();
const server = await FleetServer.listen(createApi({ registry, version: 'activated' }), {
  unixSocket: null,
  ...(tlsDir !== undefined
    ? {
        activatedTls: {
          key: readFileSync(join(tlsDir, 'server.key')),
          cert: readFileSync(join(tlsDir, 'server.crt')),
          ca: readFileSync(join(tlsDir, 'ca.crt')),
        },
      }
    : {}),
});
process.stdout.write(
  `${JSON.stringify({ addresses: server.addresses, listenFds: process.env['LISTEN_FDS'] ?? null })}\n`,
);
process.once('SIGTERM', () => {
  void server
    .close()
    .then(() => registry.close())
    .then(() => process.exit(0));
});
