import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on a loopback address. The port is released before returning. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not read the address of a probe listener'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Several distinct free ports at once (held together so that none is handed out twice). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}
