// Many calls with a bound on how many are pending at once: a batch of N requests or systemd
// calls costs about N / limit round trips of latency, not N, without flooding the other side.

/**
 * Maps `items` through `fn` with at most `limit` calls pending at once, started in order.
 * @returns the results in the order of `items` (rejects with the first rejection, in time;
 *   callers that must hear every outcome make `fn` never reject)
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker);
  await Promise.all(workers);
  return results;
}
