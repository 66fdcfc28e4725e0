// `fleetctl __complete LINE [CUR]`, called by the completion scripts: the candidates for the
// cursor at the end of LINE, one a line. CUR is the current word as bash splits it (at "=" and
// ":" too): each answer is cut to the part that replaces CUR. Exit 0, silent on any failure.
import type { RunIo } from '../cli/io.js';
import { candidates } from './candidates.js';

/** Prints the candidates. @returns 0 */
export async function printCandidates(args: readonly string[], io: RunIo): Promise<number> {
  const [line = '', cur] = args;
  let words: string[];
  try {
    words = await candidates(line, io);
  } catch {
    return 0;
  }
  const typed = /\s$/.test(line) ? '' : (line.split(/\s+/).pop() ?? '');
  const cut = cur !== undefined && typed.endsWith(cur) ? typed.length - cur.length : 0;
  const out = words.map((w) => w.slice(cut)).join('\n');
  if (out !== '') io.stdout.write(`${out}\n`);
  return 0;
}
