// How each command is loaded: only the command that runs is imported, so help and version never
// load the API client or ssh2. `help` is built into the command-line parser.
import type { CommandName } from './catalog.js';
import type { CommandSpec } from './command.js';

/** The loader of every command but `help`. */
export const LOADERS: Readonly<Record<Exclude<CommandName, 'help'>, () => Promise<CommandSpec>>> = {
  apply: async () => (await import('../commands/apply.js')).applyCommand,
  cat: async () => (await import('../commands/cat.js')).catCommand,
  completion: async () => (await import('../commands/completion.js')).completionCommand,
  destroy: async () => (await import('../commands/destroy.js')).destroyCommand,
  events: async () => (await import('../commands/events.js')).eventsCommand,
  'fd-forward': async () => (await import('../commands/fd-forward.js')).fdForwardCommand,
  journal: async () => (await import('../commands/journal.js')).journalCommand,
  machine: async () => (await import('../commands/machine.js')).machineCommand,
  'list-machines': async () => (await import('../commands/list-machines.js')).listMachinesCommand,
  'list-unit-files': async () =>
    (await import('../commands/list-unit-files.js')).listUnitFilesCommand,
  'list-units': async () => (await import('../commands/list-units.js')).listUnitsCommand,
  maintenance: async () => (await import('../commands/maintenance.js')).maintenanceCommand,
  load: async () => (await import('../commands/load.js')).loadCommand,
  plan: async () => (await import('../commands/plan.js')).planCommand,
  restart: async () => (await import('../commands/restart.js')).restartCommand,
  rollout: async () => (await import('../commands/rollout.js')).rolloutCommand,
  ssh: async () => (await import('../commands/ssh.js')).sshCommand,
  start: async () => (await import('../commands/start.js')).startCommand,
  status: async () => (await import('../commands/status.js')).statusCommand,
  stop: async () => (await import('../commands/stop.js')).stopCommand,
  submit: async () => (await import('../commands/submit.js')).submitCommand,
  unload: async () => (await import('../commands/unload.js')).unloadCommand,
  verify: async () => (await import('../commands/verify.js')).verifyCommand,
  version: async () => (await import('../commands/version.js')).versionCommand,
};
