import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { baselineWorktree } from './worktree.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('baselineWorktree', () => {
  it('checks out a revision whose @fleet links are its own packages, and removes it all', async () => {
    const tree = await baselineWorktree(ROOT, 'HEAD');
    try {
      expect(existsSync(join(tree.dir, 'package.json'))).toBe(true);
      expect(readlinkSync(join(tree.dir, 'node_modules/@fleet/unit'))).toBe(
        join(tree.dir, 'packages/unit'),
      );
      expect(readlinkSync(join(tree.dir, 'node_modules/vitest'))).toBe(
        join(ROOT, 'node_modules/vitest'),
      );
    } finally {
      await tree.remove();
    }
    expect(existsSync(join(tree.dir, '..'))).toBe(false);
  });
});
