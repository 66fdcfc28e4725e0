// Handles kept in a set while they live, so that closing their owner can end them all: a lease,
// session or leadership until its signal aborts, a watch until it is closed.

/** Adds `handle` to `set` and removes it once `signal` aborts. Returns the handle. */
export function holdWhileLive<T>(set: Set<T>, handle: T, signal: AbortSignal): T {
  set.add(handle);
  signal.addEventListener('abort', () => set.delete(handle), { once: true });
  return handle;
}

/** Something that can be closed, once or more. */
export interface Closable {
  close(): Promise<void>;
}

/** A handle on `inner` that is in `set` until it is closed. */
export function holdUntilClosed(set: Set<Closable>, inner: Closable): Closable {
  const handle: Closable = {
    close: async () => {
      set.delete(handle);
      await inner.close();
    },
  };
  set.add(handle);
  return handle;
}
