import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root of the fleet checkout (the directory whose package.json declares the workspaces),
 * found from this file's location so that it works from `src` and from `dist` alike.
 */
export function projectDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as object;
      if ('workspaces' in pkg) return dir;
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) throw new Error(`no workspace root above ${from}`);
  }
}
