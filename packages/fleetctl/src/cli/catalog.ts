// Every command's name and summary: the list that help shows and that command words are matched
// against. Plain data, so that `fleetctl version` can be answered without loading any command
// (src/cli/quick.ts); how each command is loaded is src/cli/loaders.ts.

/** A command as listed in help. */
export interface CatalogEntry {
  readonly name: string;
  readonly summary: string;
}

/** fleetctl's commands, sorted by name. */
export const CATALOG = [
  { name: 'apply', summary: 'Make the units in the cluster match the given unit files' },
  { name: 'cat', summary: 'Output the contents of a submitted unit' },
  { name: 'completion', summary: 'Print the shell completion script for bash or zsh' },
  { name: 'destroy', summary: 'Destroy one or more units in the cluster' },
  {
    name: 'events',
    summary: 'Print the cluster event log (placements, starts, failures, machines, rollouts)',
  },
  { name: 'fd-forward', summary: 'Proxy stdin and stdout to a unix domain socket' },
  { name: 'help', summary: 'Show a list of commands or help for one command' },
  { name: 'journal', summary: 'Print the journal of a unit in the cluster to stdout' },
  { name: 'list-machines', summary: 'Enumerate the current hosts in the cluster' },
  { name: 'list-unit-files', summary: 'List the units that exist in the cluster' },
  { name: 'list-units', summary: 'List the current state of units in the cluster' },
  {
    name: 'load',
    summary: 'Schedule one or more units in the cluster, first submitting them if necessary',
  },
  {
    name: 'machine',
    summary: 'Cordon, drain or uncordon a machine (take it out of scheduling for maintenance)',
  },
  {
    name: 'maintenance',
    summary: 'Take a machine into or out of coordinated maintenance (OS updates, reboots)',
  },
  {
    name: 'plan',
    summary: 'Show what apply would change in the cluster (exit 0: nothing, 2: changes)',
  },
  { name: 'restart', summary: 'Instruct systemd to restart one or more units in the cluster' },
  {
    name: 'rollout',
    summary: 'Show, pause, resume or undo the rolling update of a unit or template',
  },
  {
    name: 'ssh',
    summary: 'Open an interactive shell (or run a command) on a machine in the cluster',
  },
  { name: 'start', summary: 'Instruct systemd to start one or more units in the cluster' },
  { name: 'status', summary: 'Output the status of one or more units in the cluster' },
  { name: 'stop', summary: 'Instruct systemd to stop one or more units in the cluster' },
  { name: 'submit', summary: 'Upload one or more units to the cluster without starting them' },
  { name: 'unload', summary: 'Unschedule one or more units in the cluster' },
  { name: 'verify', summary: 'DEPRECATED - No longer works' },
  { name: 'version', summary: 'Print the version and exit' },
] as const satisfies readonly CatalogEntry[];

/** A command's name. */
export type CommandName = (typeof CATALOG)[number]['name'];

/** Every command name, sorted. */
export const COMMAND_NAMES: readonly CommandName[] = CATALOG.map((c) => c.name);
