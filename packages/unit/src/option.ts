/**
 * One `Name=Value` line of a unit file and the section it appears in. A unit's content is
 * an ordered list of these: order matters, duplicate names are kept.
 */
export interface UnitOption {
  readonly section: string;
  readonly name: string;
  readonly value: string;
}
