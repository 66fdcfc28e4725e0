// How each agent task acts on systemd (the executor decides order, skips and waits), and the
// daemon-reload only when systemd needs one.
import type { AgentTask } from '@fleet/scheduler';
import { isSystemdError, type Systemd } from '@fleet/systemd';
import { serializeUnitOptions } from '@fleet/unit';
import { ContentsGoneError } from './errors.js';
import type { PhaseTimer } from './phases.js';
import type { Contents } from './relations.js';

/** Runs the tasks of one plan against systemd; one per plan. */
export class TaskRunner {
  /** The plan's reload was found unneeded: a start that finds no such unit reloads first. */
  private reloadSkipped = false;
  /** The safety-net reload, shared by the starts that need it (once per plan). */
  private safetyReload: Promise<void> | undefined;

  constructor(
    private readonly systemd: Systemd,
    private readonly contents: Contents | Error,
    private readonly timer: PhaseTimer,
  ) {}

  /**
   * Reloads systemd if it holds any unit whose file this plan wrote or removed, loaded from a
   * file that changed since (NeedDaemonReload); returns whether it did. A new file is read when
   * its unit is first used, so a plan of new units needs none.
   */
  async reloadIfNeeded(
    tasks: readonly AgentTask[],
    checked: ReadonlySet<string> = new Set(),
  ): Promise<boolean> {
    const changed = tasks.flatMap((t) =>
      (t.kind === 'load' || t.kind === 'unload') && !checked.has(t.unit) ? [t.unit] : [],
    );
    if ((await this.systemd.needDaemonReload(changed)).length === 0) {
      this.reloadSkipped = true;
      return false;
    }
    await this.systemd.daemonReload();
    return true;
  }

  /**
   * Whether unit `name`, just loaded, may start before the plan's reload: systemd holds nothing
   * of it loaded from an older file (NeedDaemonReload), as for any new file. If so, a start that
   * finds no such unit reloads first, as after a skipped plan reload.
   */
  async readyWithoutReload(name: string): Promise<boolean> {
    if ((await this.systemd.needDaemonReload([name])).length > 0) return false;
    this.reloadSkipped = true;
    return true;
  }

  /**
   * Runs one task other than the reload. Returns true if it was the start that reloaded first:
   * if systemd answers "no such unit" after the plan skipped its reload, it reloads (once per
   * plan) and starts again; a safety net, as systemd ≥ 246 loads a new, linked file without one.
   */
  async task(task: Exclude<AgentTask, { kind: 'reload' }>): Promise<boolean> {
    const { systemd, timer } = this;
    const name = task.unit;
    switch (task.kind) {
      case 'load': {
        const { contents } = this;
        if (contents instanceof Error) throw contents;
        const options = contents.get(task.hash);
        if (options === undefined)
          throw new ContentsGoneError(
            `contents of ${name} (${task.hash}) are gone from the registry`,
          );
        await timer.time('write', () => systemd.writeUnit(name, serializeUnitOptions(options)));
        try {
          await timer.time('link', async () => {
            await systemd.link(name);
            if (options.some((o) => o.section === 'Install')) await systemd.enable(name);
          });
        } catch (err) {
          // A file written but not linked has the right hash, so the next pass would take the
          // unit as loaded and retry only its start, for ever: remove it, and the next pass loads.
          await systemd.removeUnit(name).catch(() => undefined);
          throw err;
        }
        return false;
      }
      case 'unload':
        // fleet's order, with its fix for #1216: only a unit that stopped is disabled and removed.
        // Timed as a group by the executor (unloads overlap).
        await systemd.stop(name);
        await systemd.disable(name);
        await systemd.resetFailed(name);
        await systemd.removeUnit(name);
        return false;
      case 'start':
        return this.start(name);
      case 'stop':
        await systemd.stop(name);
        return false;
    }
  }

  private async start(name: string): Promise<boolean> {
    try {
      await this.systemd.start(name);
      return false;
    } catch (err) {
      if (!this.reloadSkipped || !isSystemdError(err, 'SYSTEMD_NO_SUCH_UNIT')) throw err;
      const first = this.safetyReload === undefined;
      this.safetyReload ??= this.systemd.daemonReload();
      await this.safetyReload;
      await this.systemd.start(name);
      return first;
    }
  }
}
