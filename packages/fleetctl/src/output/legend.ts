// How fleetctl names machines in its output.

/** What a legend needs to know about a machine. */
export interface MachineLike {
  readonly id: string;
  readonly primaryIP?: string;
}

/** Characters of a machine ID fleetctl shows without `--full`. */
export const SHORT_ID_LENGTH = 8;

/** `<first 8 chars>...`, or the full ID with `full`. */
export function machineIdLegend(id: string, full: boolean): string {
  return full ? id : `${id.slice(0, SHORT_ID_LENGTH)}...`;
}

/** `<id legend>/<ip>`, or just the ID legend when the IP is unknown. */
export function machineLegend(machine: MachineLike, full: boolean): string {
  const id = machineIdLegend(machine.id, full);
  return machine.primaryIP === undefined || machine.primaryIP === ''
    ? id
    : `${id}/${machine.primaryIP}`;
}
