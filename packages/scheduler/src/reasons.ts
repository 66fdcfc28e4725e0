/**
 * The reasons the scheduler gives for its tasks, as named sentences: logs, `fleetctl` output and
 * tests all speak these same words.
 */
export const Reason = {
  unitDestroyed: 'unit destroyed',
  targetInactive: 'target state inactive',
  machineGone: (machineId: string) => `target machine ${machineId} went away`,
  duplicate: 'unit is scheduled to more than one machine',
  cannotRun: (machineId: string, why: string) =>
    `target machine ${machineId} unable to run unit: ${why}`,
  conflictsOn: (other: string, machineId: string) => `conflicts with ${other} on ${machineId}`,
  replacedBy: (other: string) => `replaced by ${other}`,
  replaceEachOther: (other: string) =>
    `it and ${other} replace each other, and ${other} is scheduled`,
  peerMoved: (peer: string, machineId: string) => `required peer ${peer} is not on ${machineId}`,
  scheduled: (state: string) => `target state ${state} and unit not scheduled`,
  scheduledReplacing: (state: string, replaced: string) =>
    `target state ${state} and unit not scheduled; takes the machine of ${replaced}`,
  global: (state: string) => `global unit with target state ${state}`,
  stateChanged: (from: string, to: string) => `target state changed from ${from} to ${to}`,
  contentChanged: 'unit content changed',
  contentReverted: 'unit content rolled back',
  peerMissing: (peer: string) => `waiting for peer ${peer}, which does not exist`,
  peerUnscheduled: (peer: string) => `waiting for peer ${peer} to be scheduled`,
  peerHostRefuses: (machineId: string, why: string) =>
    `the machine of its peers, ${machineId}, ${why}`,
  peerHostAway: (peers: readonly string[]) =>
    `waiting for the machine of ${peers.join(', ')} to come back or be declared gone`,
  peersApart: (peers: readonly string[]) => `peers ${peers.join(', ')} are on different machines`,
  globalMissing: (parts: readonly string[]) =>
    `not running on ${parts.length} eligible machine(s): ${parts.join('; ')}`,
} as const;
