import { describe, expect, it } from 'vitest';
import { ResourceStack } from './resources.js';

describe('ResourceStack', () => {
  it('releases in reverse order of acquisition, each once, even after one fails', async () => {
    const stack = new ResourceStack();
    const released: string[] = [];
    const boom = new Error('close failed');
    const a = await stack.use(
      () => 'registry',
      (r) => void released.push(r),
    );
    await stack.use(
      async () => 'systemd',
      () => {
        released.push('systemd');
        throw boom;
      },
    );
    stack.push(() => void released.push('listeners'));
    expect(a).toBe('registry');
    expect(await stack.unwind()).toEqual([boom]);
    expect(released).toEqual(['listeners', 'systemd', 'registry']);
    expect(await stack.unwind()).toEqual([]);
    expect(released).toHaveLength(3);
  });

  it('an open that throws pushes nothing: only what was acquired is released', async () => {
    const stack = new ResourceStack();
    const released: string[] = [];
    await stack.use(
      () => 'registry',
      (r) => void released.push(r),
    );
    const refused = new Error('no bus');
    await expect(
      stack.use(
        () => {
          throw refused;
        },
        () => void released.push('systemd'),
      ),
    ).rejects.toBe(refused);
    await stack.unwind();
    expect(released).toEqual(['registry']);
  });
});
