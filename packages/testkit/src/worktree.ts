// A checkout of an earlier revision for a benchmark's baseline, built beside the current one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A git worktree of an earlier revision; `remove` deletes it and its temp dir. */
export interface BaselineWorktree {
  readonly dir: string;
  remove(): Promise<void>;
}

function git(args: readonly string[], cwd: string): void {
  execFileSync('git', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * A worktree of `rev` of the checkout at `root`, whose node_modules is the checkout's except the
 * workspace links (`@fleet/*`), which point at the worktree's own packages. Nothing is built.
 */
export async function baselineWorktree(root: string, rev: string): Promise<BaselineWorktree> {
  const dir = join(await mkdtemp(join(tmpdir(), 'fleet-baseline-')), 'tree');
  git(['worktree', 'add', '--detach', '--quiet', dir, rev], root);
  const remove = async (): Promise<void> => {
    git(['worktree', 'remove', '--force', dir], root);
    await rm(join(dir, '..'), { recursive: true, force: true });
  };
  try {
    await mkdir(join(dir, 'node_modules', '@fleet'), { recursive: true });
    for (const name of await readdir(join(root, 'node_modules'))) {
      if (name === '@fleet') continue;
      await symlink(join(root, 'node_modules', name), join(dir, 'node_modules', name));
    }
    for (const pkg of await readdir(join(dir, 'packages'))) {
      await symlink(join(dir, 'packages', pkg), join(dir, 'node_modules', '@fleet', pkg));
      const own = join(root, 'packages', pkg, 'node_modules');
      if (existsSync(own)) await symlink(own, join(dir, 'packages', pkg, 'node_modules'));
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return { dir, remove };
}
