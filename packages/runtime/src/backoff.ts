// Retry delays, one formula for every loop: exponential from `initialMs` to `maxMs`, with jitter
// so that a thousand machines that lost etcd together do not come back in step.

/** How retries are spaced. */
export interface BackoffPolicy {
  /** The delay after the first failure. */
  readonly initialMs: number;
  /** The delay stops doubling here (before jitter). */
  readonly maxMs: number;
  /**
   * `'full'`: a delay drawn from [0, d); a number f in [0, 1]: from [d·(1−f), d·(1+f)) (0.2 is
   * ±20 %); 0 or absent: exactly d.
   */
  readonly jitter?: 'full' | number;
}

/**
 * The delay before retry number `attempt` (1 after the first failure): `initialMs` doubling per
 * attempt up to `maxMs`, then jittered by the policy. `random` in [0, 1) (default Math.random):
 * tests pass their own, and `() => 0.5` makes ±f jitter exact.
 */
export function backoff(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(30, Math.max(0, attempt - 1));
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return jittered(base, policy.jitter, random);
}

/** `ms` spread by `jitter` as in {@link BackoffPolicy.jitter}, rounded to whole milliseconds. */
export function jittered(
  ms: number,
  jitter: BackoffPolicy['jitter'],
  random: () => number = Math.random,
): number {
  if (jitter === 'full') return Math.floor(random() * ms);
  if (jitter === undefined || jitter <= 0) return ms;
  return Math.round(ms * (1 - jitter + 2 * jitter * random()));
}

/**
 * A deterministic source of numbers in [0, 1) seeded by `seed` (mulberry32 over an FNV-1a hash of
 * the string). Seeded by a machine ID, it spreads machines as well as Math.random does while
 * keeping each machine's delays reproducible (the chaos simulation replays a seed exactly).
 */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
