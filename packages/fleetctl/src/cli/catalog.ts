// Every command's name and summary, and how to load it. Loading only the command that runs keeps
// fleetctl's startup lean: help and version never import the API client or ssh2.
import type { CommandSpec } from './command.js';

/** A command as listed in help. */
export interface CatalogEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: () => Promise<CommandSpec>;
}

/** fleetctl's commands, sorted by name. */
export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'cat',
    summary: 'Output the contents of a submitted unit',
    load: async () => (await import('../commands/cat.js')).catCommand,
  },
  {
    name: 'destroy',
    summary: 'Destroy one or more units in the cluster',
    load: async () => (await import('../commands/destroy.js')).destroyCommand,
  },
  {
    name: 'fd-forward',
    summary: 'Proxy stdin and stdout to a unix domain socket',
    load: async () => (await import('../commands/fd-forward.js')).fdForwardCommand,
  },
  {
    name: 'help',
    summary: 'Show a list of commands or help for one command',
    load: noLoad,
  },
  {
    name: 'journal',
    summary: 'Print the journal of a unit in the cluster to stdout',
    load: async () => (await import('../commands/journal.js')).journalCommand,
  },
  {
    name: 'list-machines',
    summary: 'Enumerate the current hosts in the cluster',
    load: async () => (await import('../commands/list-machines.js')).listMachinesCommand,
  },
  {
    name: 'list-unit-files',
    summary: 'List the units that exist in the cluster',
    load: async () => (await import('../commands/list-unit-files.js')).listUnitFilesCommand,
  },
  {
    name: 'list-units',
    summary: 'List the current state of units in the cluster',
    load: async () => (await import('../commands/list-units.js')).listUnitsCommand,
  },
  {
    name: 'load',
    summary: 'Schedule one or more units in the cluster, first submitting them if necessary',
    load: async () => (await import('../commands/load.js')).loadCommand,
  },
  {
    name: 'restart',
    summary: 'Instruct systemd to restart one or more units in the cluster',
    load: async () => (await import('../commands/restart.js')).restartCommand,
  },
  {
    name: 'ssh',
    summary: 'Open an interactive shell (or run a command) on a machine in the cluster',
    load: async () => (await import('../commands/ssh.js')).sshCommand,
  },
  {
    name: 'start',
    summary: 'Instruct systemd to start one or more units in the cluster',
    load: async () => (await import('../commands/start.js')).startCommand,
  },
  {
    name: 'status',
    summary: 'Output the status of one or more units in the cluster',
    load: async () => (await import('../commands/status.js')).statusCommand,
  },
  {
    name: 'stop',
    summary: 'Instruct systemd to stop one or more units in the cluster',
    load: async () => (await import('../commands/stop.js')).stopCommand,
  },
  {
    name: 'submit',
    summary: 'Upload one or more units to the cluster without starting them',
    load: async () => (await import('../commands/submit.js')).submitCommand,
  },
  {
    name: 'unload',
    summary: 'Unschedule one or more units in the cluster',
    load: async () => (await import('../commands/unload.js')).unloadCommand,
  },
  {
    name: 'verify',
    summary: 'DEPRECATED - No longer works',
    load: async () => (await import('../commands/verify.js')).verifyCommand,
  },
  {
    name: 'version',
    summary: 'Print the version and exit',
    load: async () => (await import('../commands/version.js')).versionCommand,
  },
];

function noLoad(): Promise<CommandSpec> {
  return Promise.reject(new Error('help is built into the command line parser'));
}
