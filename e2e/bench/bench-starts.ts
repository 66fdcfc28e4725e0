// Single starts: `fleetctl start --no-block` of one new unit file, against node1's TCP API, → the
// unit active in systemd; interleaved with plain systemd baselines run through nsenter in one of
// the machines: `systemctl start` of a unit already in /run/systemd/system, and writing the unit
// file + `daemon-reload` + `systemctl start` (what the agent has to do).
import { sh, type Cluster, type NspawnMachine } from '../src/index.js';
import { activeOn, fleetctlStart, mono, serviceFile, sinceT0 } from './cluster-probes.js';

export interface StartResults {
  fleet: number[];
  fleetctlExit: number[];
  /** From fleetctl's exit to active: the cluster's share (API, engine, agent, systemd). */
  afterExit: number[];
  base: number[];
  baseReload: number[];
  placed: Map<string, number>;
}

/** Results with nothing measured yet. */
export function noStartResults(): StartResults {
  return {
    fleet: [],
    fleetctlExit: [],
    afterExit: [],
    base: [],
    baseReload: [],
    placed: new Map(),
  };
}

async function oneFleetStart(
  c: Cluster,
  unitDir: string,
  i: number,
  r: StartResults,
): Promise<void> {
  const unit = `start-${String(i).padStart(3, '0')}.service`;
  const [t0, exit] = await fleetctlStart(c, 'node1', unitDir, unit);
  const m = await activeOn(c, unit);
  const d = await sinceT0(m, unit, t0);
  r.fleet.push(d);
  r.fleetctlExit.push(exit);
  r.afterExit.push(d - exit);
  r.placed.set(m.name, (r.placed.get(m.name) ?? 0) + 1);
}

async function oneBaseline(m: NspawnMachine, i: number, r: StartResults): Promise<void> {
  const n = String(i).padStart(3, '0');
  const plain = `base-${n}.service`;
  await sh(
    m,
    `cat > /run/systemd/system/${plain} <<'U'\n${serviceFile(plain)}U\nsystemctl daemon-reload`,
  );
  let t0 = mono();
  const a = await m.exec('systemctl', ['start', plain]);
  if (a.code !== 0) throw new Error(`${m.name}: systemctl start ${plain}: ${a.stderr}`);
  r.base.push(await sinceT0(m, plain, t0));

  const reload = `reload-${n}.service`;
  const script =
    `cat > /run/systemd/system/${reload} <<'U'\n${serviceFile(reload)}U\n` +
    `systemctl daemon-reload && systemctl start ${reload}`;
  t0 = mono();
  const b = await m.exec('sh', ['-c', script]);
  if (b.code !== 0) throw new Error(`${m.name}: ${reload}: ${b.stderr}`);
  r.baseReload.push(await sinceT0(m, reload, t0));
}

export async function measureStarts(
  c: Cluster,
  unitDir: string,
  starts: number,
  say: (line: string) => void,
): Promise<StartResults> {
  const r = noStartResults();
  for (let i = 0; i < starts; i++) {
    // Baselines rotate over the machines; the order alternates so that neither always goes first.
    const m = c.nodes[i % c.nodes.length];
    if (m === undefined) throw new Error('no machines');
    if (i % 2 === 0) {
      await oneFleetStart(c, unitDir, i, r);
      await oneBaseline(m, i, r);
    } else {
      await oneBaseline(m, i, r);
      await oneFleetStart(c, unitDir, i, r);
    }
    if ((i + 1) % 10 === 0) say(`starts: ${i + 1}/${starts}`);
  }
  return r;
}
