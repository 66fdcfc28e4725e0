// LinkBatcher: overlapping links go to systemd together, each caller answered for its own file.
import { describe, expect, it } from 'vitest';
import { SystemdNoSuchUnitError, SystemdTimeoutError } from './errors.js';
import { LinkBatcher } from './link-batcher.js';
import type { UnitFileChange } from './systemd.js';

/** A LinkUnitFiles that answers when told to, recording each call's paths. */
function manualLink(missing: ReadonlySet<string> = new Set()) {
  const calls: string[][] = [];
  const pending: (() => void)[] = [];
  const call = (paths: readonly string[]) =>
    new Promise<UnitFileChange[]>((resolve, reject) => {
      calls.push([...paths]);
      pending.push(() => {
        const gone = paths.find((p) => missing.has(p));
        if (gone !== undefined)
          reject(
            new SystemdNoSuchUnitError(`No such file ${gone}`, { operation: 'LinkUnitFiles' }),
          );
        else
          resolve(
            paths.map((p) => ({
              type: 'symlink',
              path: `/run/systemd/system/${p.slice(5)}`,
              destination: p,
            })),
          );
      });
    });
  const answer = async () => {
    while (pending.length > 0) {
      pending.shift()?.();
      for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    }
  };
  return { calls, call, answer };
}

describe('LinkBatcher', () => {
  it('sends the first link alone and those asked meanwhile together, each with its own changes', async () => {
    const sd = manualLink();
    const b = new LinkBatcher(sd.call);
    const names = ['/u/a.service', '/u/b.service', '/u/c.service', '/u/d.service'];
    const out = Promise.all(names.map((n) => b.link(n)));
    await sd.answer();
    expect(sd.calls).toEqual([['/u/a.service'], ['/u/b.service', '/u/c.service', '/u/d.service']]);
    expect((await out).map((c) => c.map((x) => x.destination))).toEqual(names.map((n) => [n]));
  });

  it('links each file of a failed batch alone, so only the missing one fails', async () => {
    const sd = manualLink(new Set(['/u/gone.service']));
    const b = new LinkBatcher(sd.call);
    const names = ['/u/a.service', '/u/b.service', '/u/gone.service', '/u/c.service'];
    const out = Promise.allSettled(names.map((n) => b.link(n)));
    await sd.answer();
    expect((await out).map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(sd.calls).toHaveLength(2 + 3); // a; the batch of three; each of the three alone
  });

  it('fails every link of a batch whose call timed out, without calling again', async () => {
    let n = 0;
    const b = new LinkBatcher(async () => {
      n++;
      throw new SystemdTimeoutError('LinkUnitFiles timed out', { operation: 'LinkUnitFiles' });
    });
    const out = await Promise.allSettled(
      ['/u/a.service', '/u/b.service', '/u/c.service'].map((p) => b.link(p)),
    );
    expect(out.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(n).toBe(2); // a alone, then b and c together
  });

  it('sends at most `max` files a call', async () => {
    const sd = manualLink();
    const b = new LinkBatcher(sd.call, 2);
    const out = Promise.all(['/u/a', '/u/b', '/u/c', '/u/d', '/u/e'].map((p) => b.link(p)));
    await sd.answer();
    await out;
    expect(sd.calls).toEqual([['/u/a'], ['/u/b', '/u/c'], ['/u/d', '/u/e']]);
  });
});
