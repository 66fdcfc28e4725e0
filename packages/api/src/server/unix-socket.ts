// Preparing a unix socket path: a stale socket file left by a crashed fleetd is removed, but a
// live server's socket or a file that is not a socket is never touched.
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';

/** How long to wait when probing whether an existing socket is still served. */
const PROBE_TIMEOUT_MS = 1_000;

/** Whether something accepts connections on the socket at `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (live: boolean) => {
      socket.destroy();
      resolve(live);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Makes `path` free for a new listening socket.
 * @throws Error if `path` exists and is not a socket, or another process serves it
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stats.isSocket()) {
    throw new Error(`refusing to replace ${path}: it exists and is not a socket`);
  }
  if (await isLive(path)) {
    throw new Error(`another process is serving ${path}; is fleetd already running?`);
  }
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
