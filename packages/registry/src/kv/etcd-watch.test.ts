// watchEtcd's re-watch after a failed watcher, on a manual clock with a scripted etcd3 client:
// the delay doubles from 200 ms to 5 s, jittered ±20 % by the injected random.
import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';
import { ManualClock } from '@fleet/runtime';
import { describe, expect, it } from 'vitest';
import { watchEtcd } from './etcd-watch.js';

/** An etcd3 client whose watchers are plain emitters, kept in `watchers` in creation order. */
function scriptedClient() {
  const watchers: (EventEmitter & { request: { start_revision?: string } })[] = [];
  const builder = {
    inRange: () => builder,
    startRevision: () => builder,
    watcher: () => {
      const w = Object.assign(new EventEmitter(), {
        request: {},
        cancel: () => Promise.resolve(),
      });
      watchers.push(w);
      return w;
    },
  };
  return { watchers, client: { watch: () => builder } as unknown as Etcd3 };
}

describe('watchEtcd', () => {
  it('re-creates a failed watcher after 200 ms doubling to 5 s, jittered by `random`', async () => {
    const run = async (random: () => number, steps: readonly number[]): Promise<number[]> => {
      const clock = new ManualClock();
      const { watchers, client } = scriptedClient();
      const range = () => Promise.reject(new Error('not expected'));
      const watch = watchEtcd({ client, clock, random, range }, 'a', 'b', 0n, {
        events: () => undefined,
        resync: () => undefined,
      });
      // Before each step's end no new watcher; at its end one more (which fails in turn).
      const before: number[] = [];
      for (const ms of steps) {
        watchers.at(-1)?.emit('error', new Error('cancelled by the server'));
        await clock.tick(ms - 1);
        before.push(watchers.length);
        await clock.tick(1);
        expect(watchers).toHaveLength(before.length + 1);
      }
      await watch.close();
      return before;
    };
    // A low draw: 80 % of 200, 400, …, 3,200 and then 5,000 (the cap); a high one: 120 %.
    const low = [160, 320, 640, 1_280, 2_560, 4_000, 4_000];
    const high = [240, 480, 960, 1_920, 3_840, 6_000, 6_000];
    expect(await run(() => 0, low)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await run(() => 0.999_999, high)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
