// The fake's runtime unit-file symlinks: what `link`, `enable` and `disable` create and remove,
// reported the way systemd reports them.
import { posix } from 'node:path';
import type { UnitFileChange } from '../systemd.js';
import type { FakeUnitConfig } from './fake-config.js';

/** systemd's runtime unit directory for the system manager. */
export const SYSTEM_RUNTIME_DIR = '/run/systemd/system';

/** Symlinks per unit: its own link (into the search path) and its `[Install]` links. */
export class FakeLinks {
  /** unit name → the file its link points to */
  private readonly linked = new Map<string, string>();
  /** unit name → the `[Install]` symlinks made for it, in creation order */
  private readonly installed = new Map<string, string[]>();

  constructor(private readonly runtimeDir = SYSTEM_RUNTIME_DIR) {}

  /** The file the unit is linked to, if linked. */
  target(name: string): string | undefined {
    return this.linked.get(name);
  }

  /** The `[Install]` symlinks of the unit. */
  installLinks(name: string): readonly string[] {
    return this.installed.get(name) ?? [];
  }

  /** Links `name` to `file`; returns the change (none if linked to it already). */
  link(name: string, file: string): UnitFileChange[] {
    if (this.linked.get(name) === file) return [];
    this.linked.set(name, file);
    return [{ type: 'symlink', path: posix.join(this.runtimeDir, name), destination: file }];
  }

  /** Links and creates the `[Install]` symlinks; returns what was created. */
  enable(name: string, file: string, config: FakeUnitConfig): UnitFileChange[] {
    const changes = this.link(name, file);
    const made = this.installed.get(name) ?? [];
    const wanted = [
      ...config.wantedBy.map((t) => posix.join(this.runtimeDir, `${t}.wants`, name)),
      ...config.requiredBy.map((t) => posix.join(this.runtimeDir, `${t}.requires`, name)),
      ...config.alias.map((a) => posix.join(this.runtimeDir, a)),
    ];
    for (const path of wanted) {
      if (made.includes(path)) continue;
      made.push(path);
      changes.push({ type: 'symlink', path, destination: file });
    }
    if (made.length > 0) this.installed.set(name, made);
    return changes;
  }

  /** Removes every symlink of the unit, `[Install]` ones first; returns what was removed. */
  disable(name: string): UnitFileChange[] {
    const changes: UnitFileChange[] = (this.installed.get(name) ?? []).map((path) => ({
      type: 'unlink',
      path,
      destination: '',
    }));
    this.installed.delete(name);
    if (this.linked.delete(name)) {
      changes.push({ type: 'unlink', path: posix.join(this.runtimeDir, name), destination: '' });
    }
    return changes;
  }
}
