import type { Registry } from '@fleet/registry';
import type { AgentTask } from '@fleet/scheduler';
import type { Systemd } from '@fleet/systemd';
import { serializeUnitOptions, type UnitOption } from '@fleet/unit';

/** What happened to one task. */
export interface TaskOutcome {
  readonly task: AgentTask;
  readonly error?: unknown;
  /** Not run because an earlier task of the same unit failed. */
  readonly skipped?: boolean;
}

/**
 * Runs an agent plan against systemd, in order. A failed task skips the later tasks of its unit
 * (no start after a failed load) but not those of other units; the next pass retries.
 */
export async function executeTasks(
  tasks: readonly AgentTask[],
  systemd: Systemd,
  registry: Registry,
): Promise<TaskOutcome[]> {
  const failed = new Set<string>();
  const out: TaskOutcome[] = [];
  const contents = await readContents(tasks, registry);
  for (const task of tasks) {
    if (task.unit !== '' && failed.has(task.unit)) {
      out.push({ task, skipped: true });
      continue;
    }
    try {
      await runTask(task, systemd, contents);
      out.push({ task });
    } catch (error) {
      if (task.unit !== '') failed.add(task.unit);
      out.push({ task, error });
    }
  }
  return out;
}

type Contents = ReadonlyMap<string, readonly UnitOption[]>;

/**
 * The contents of every unit the plan loads, read together before any task runs: read one by one
 * inside the tasks, a machine given many units waits a round trip per unit. If the read fails,
 * every load of this plan fails with that error (the next pass retries).
 */
async function readContents(
  tasks: readonly AgentTask[],
  registry: Registry,
): Promise<Contents | Error> {
  const hashes = [...new Set(tasks.filter((t) => t.kind === 'load').map((t) => t.hash ?? ''))];
  if (hashes.length === 0) return new Map();
  return registry
    .getContentsMany(hashes)
    .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
}

async function runTask(
  task: AgentTask,
  systemd: Systemd,
  contents: Contents | Error,
): Promise<void> {
  const name = task.unit;
  switch (task.kind) {
    case 'load': {
      if (contents instanceof Error) throw contents;
      const options = contents.get(task.hash ?? '');
      if (options === undefined)
        throw new Error(`contents of ${name} (${task.hash ?? ''}) are gone from the registry`);
      await systemd.writeUnit(name, serializeUnitOptions(options));
      try {
        await systemd.link(name);
        if (options.some((o) => o.section === 'Install')) await systemd.enable(name);
      } catch (err) {
        // A file written but not linked has the right hash, so the next pass would take the unit
        // as loaded and retry only its start, for ever: remove it, and the next pass loads again.
        await systemd.removeUnit(name).catch(() => undefined);
        throw err;
      }
      return;
    }
    case 'unload':
      // fleet's order, with its fix for #1216: only a unit that stopped is disabled and removed.
      await systemd.stop(name);
      await systemd.disable(name);
      await systemd.resetFailed(name);
      await systemd.removeUnit(name);
      return;
    case 'reload':
      return systemd.daemonReload();
    case 'start':
      return systemd.start(name);
    case 'stop':
      return systemd.stop(name);
  }
}
