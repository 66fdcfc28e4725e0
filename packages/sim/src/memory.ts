/** Heap in use, after a full collection when `gc` is set and the process runs with --expose-gc. */
export function heapUsed(gc: boolean): number {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect !== undefined) {
    collect();
    collect();
  }
  return process.memoryUsage().heapUsed;
}

/** CPU time used by this process so far (user + system), in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
