// Wall times of short commands (fleetctl list-units, systemctl list-units), taken by a small node
// program next to them (inside a machine, or on the host), so that neither nsenter nor the bench's
// own event loop counts: CLOCK_MONOTONIC just before spawn, and at its exit.
import { run, type NspawnMachine } from '../src/index.js';
import { DEADLINE_MS, NODE_PATH } from './cluster-probes.js';

/**
 * argv[1]: JSON [reps, commands, minLines]. Runs the commands in turn (the first one changes each
 * round, so none always goes first), `reps` rounds; prints JSON: per command, its wall times in ms.
 * A command that fails or prints fewer lines than minLines (one count for all, or one per command)
 * is an error.
 */
const TIMER = `
const { spawnSync } = require('node:child_process');
const [reps, cmds, minLines] = JSON.parse(process.argv[1]);
const out = cmds.map(() => []);
for (let r = 0; r < reps; r++) {
  for (let k = 0; k < cmds.length; k++) {
    const j = (k + r) % cmds.length;
    const [c, ...a] = cmds[j];
    const t = process.hrtime.bigint();
    const p = spawnSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const lines = String(p.stdout).split('\\n').filter((l) => l !== '').length;
    const need = Array.isArray(minLines) ? minLines[j] : minLines;
    if (p.status !== 0 || lines < need) {
      console.error(cmds[j].join(' ') + ': exit ' + p.status + ', ' + lines + ' lines: ' + String(p.stderr));
      process.exit(1);
    }
    out[j].push(ms);
  }
}
console.log(JSON.stringify(out));
`;

/** Times `cmds` (argv lists), `reps` rounds, inside `m`, or on the host when `m` is undefined. */
export async function walls(
  m: NspawnMachine | undefined,
  cmds: readonly (readonly string[])[],
  reps: number,
  minLines: number | readonly number[],
): Promise<number[][]> {
  const args = ['-e', TIMER, JSON.stringify([reps, cmds, minLines])];
  const r =
    m === undefined
      ? await run(process.execPath, args, {
          env: { PATH: NODE_PATH, HOME: process.env.HOME ?? '/root' },
          timeoutMs: DEADLINE_MS * 5,
        })
      : await m.exec(
          'env',
          [`PATH=${NODE_PATH}`, 'HOME=/root', process.execPath, ...args],
          DEADLINE_MS * 5,
        );
  if (r.code !== 0)
    throw new Error(`${m?.name ?? 'host'}: timing ${cmds[0]?.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[][];
}
