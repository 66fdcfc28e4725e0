// The canonical text of a unit: what fleet hashes and what agents write to disk.
import type { UnitOption } from './option.js';

/**
 * Serialises options in fleet's (go-systemd's) canonical, byte-exact form: sections in
 * order of first appearance, each option under its section in original order,
 * `[Section]\n` then `Name=Value\n` lines, one blank line between sections and none at
 * the end. An empty list gives `''`.
 *
 * Options of one section that were split by another section in the input are grouped
 * together, so `serialize(parse(serialize(x))) === serialize(x)`.
 */
export function serializeUnitOptions(options: readonly UnitOption[]): string {
  const bySection = new Map<string, UnitOption[]>();
  for (const option of options) {
    const group = bySection.get(option.section);
    if (group === undefined) bySection.set(option.section, [option]);
    else group.push(option);
  }
  const blocks: string[] = [];
  for (const [section, group] of bySection) {
    let block = `[${section}]\n`;
    for (const option of group) block += `${option.name}=${option.value}\n`;
    blocks.push(block);
  }
  return blocks.join('\n');
}
