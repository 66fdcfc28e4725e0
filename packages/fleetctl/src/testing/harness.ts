// A fleet API over an InMemoryRegistry on a unix socket in a temp dir, and fleetctl run against
// it in-process: for command tests. Helpers put machines, assignments, states and reasons into
// the registry the way the engine and agents would.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createApi, FleetServer, type ApiHandler } from '@fleet/api';
import {
  InMemoryRegistry,
  type JsonValue,
  type MachineSession,
  type UnitStateInput,
} from '@fleet/registry';
import type { DesiredState } from '@fleet/unit';
import { run } from '../cli/run.js';
import { Capture, input, type FakeTerminal } from './streams.js';

/** What one fleetctl run printed and returned. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link Harness.fleetctl}. */
export interface FleetctlOptions {
  /** stdin text, a stream, or `open` for an input that never ends (default: empty). */
  readonly stdin?: string | Readable;
  readonly env?: Record<string, string | undefined>;
  /** Pretend stderr is a terminal (progress lines). */
  readonly tty?: boolean;
  /** Whether to add `--endpoint` for this harness (default true). */
  readonly endpoint?: boolean;
  /** Called with each write to stdout, as it happens. */
  readonly onStdout?: (text: string) => void;
  /** Called with each write to stderr, as it happens. */
  readonly onStderr?: (text: string) => void;
  /** The controlling terminal (default: none, as in CI: fleetctl cannot ask anything). */
  readonly terminal?: FakeTerminal;
}

/** A machine for tests. */
export const M1 = { id: 'c31e44e1f7f4441ab4b9b9a6b3f5f0a1', ip: '127.0.0.1' };
/** Another machine for tests. */
export const M2 = { id: 'd4f0a2b35e6c4f7a8b9c0d1e2f3a4b5c', ip: '127.0.0.2' };

/** One test's fleet API and fleetctl. */
export class Harness {
  readonly registry = new InMemoryRegistry();
  private server: FleetServer | undefined;
  private token: string | undefined;
  private readonly sessions = new Map<string, MachineSession>();

  private constructor(readonly dir: string) {}

  /**
   * Starts the API on `<tmp>/fleet.sock`.
   * @param wrap - wraps the API's handler (to count or hold requests)
   */
  static async start(wrap: (api: ApiHandler) => ApiHandler = (api) => api): Promise<Harness> {
    const h = new Harness(await mkdtemp(join(tmpdir(), 'fleetctl-')));
    const api = wrap(createApi({ registry: h.registry, version: '9.9.9' }));
    h.server = await FleetServer.listen(api, {
      unixSocket: h.socketPath,
      activation: false,
    });
    return h;
  }

  get socketPath(): string {
    return join(this.dir, 'fleet.sock');
  }

  get endpoint(): string {
    return `unix://${this.socketPath}`;
  }

  /** Runs fleetctl in-process against this API (cwd: the temp dir; HOME: `<tmp>/home`). */
  async fleetctl(args: readonly string[], opts: FleetctlOptions = {}): Promise<RunResult> {
    const stdout = new Capture(false, opts.onStdout);
    const stderr = new Capture(opts.tty === true, opts.onStderr);
    const stdin = typeof opts.stdin === 'object' ? opts.stdin : input(opts.stdin ?? '');
    const argv = opts.endpoint === false ? args : ['--endpoint', this.endpoint, ...args];
    const code = await run(argv, {
      stdin,
      stdout,
      stderr,
      env: { HOME: join(this.dir, 'home'), ...opts.env },
      cwd: this.dir,
      pollIntervalMs: 5,
      pollsPerAttempt: 4,
      machineIdFile: join(this.dir, 'machine-id'),
      openTerminal: opts.terminal?.open ?? (() => undefined),
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  /** Writes a file under the temp dir. */
  async file(name: string, text: string): Promise<string> {
    const path = join(this.dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    return path;
  }

  /** Registers a live machine. */
  async machine(
    m: { id: string; ip: string },
    metadata: Record<string, string> = {},
    health: Record<string, JsonValue> = {},
  ): Promise<MachineSession> {
    const session = await this.registry.registerMachine(
      { id: m.id, publicIP: m.ip, metadata, health, version: '9.9.9', capabilities: [] },
      60,
    );
    this.sessions.set(m.id, session);
    return session;
  }

  /** Ends a machine's session: it and its unit states disappear. */
  async dropMachine(id: string): Promise<void> {
    await this.sessions.get(id)?.close();
    this.sessions.delete(id);
  }

  /** The engine's fencing token (the harness leads). */
  async leader(): Promise<string> {
    if (this.token === undefined) {
      const l = await this.registry.campaign('fleetctl-test', 60);
      if (l === undefined) throw new Error('could not lead');
      this.token = l.token;
    }
    return this.token;
  }

  /** Schedules a unit to a machine as the engine would. */
  async assign(unit: string, machineId: string, desiredState?: DesiredState): Promise<void> {
    const u = await this.registry.getUnit(unit);
    if (u === undefined) throw new Error(`no unit ${unit}`);
    await this.registry.applyAssignments(await this.leader(), [
      {
        kind: 'schedule',
        machineId,
        unit,
        hash: u.hash,
        desiredState: desiredState ?? u.desiredState,
      },
    ]);
  }

  /** Publishes a unit's state from a machine as its agent would (hash: the unit's current one). */
  async publish(
    unit: string,
    machineId: string,
    state: Partial<UnitStateInput> & { activeState: string },
  ): Promise<void> {
    const session = this.sessions.get(machineId);
    if (session === undefined) throw new Error(`machine ${machineId} is not registered`);
    const hash = state.hash ?? (await this.registry.getUnit(unit))?.hash ?? '0'.repeat(40);
    await session.publishUnitState({
      unit,
      hash,
      loadState: 'loaded',
      subState: state.activeState === 'active' ? 'running' : 'dead',
      ...state,
    });
  }

  /** Removes a machine's state for a unit (its agent unloaded it). */
  async unpublish(unit: string, machineId: string): Promise<void> {
    await this.sessions.get(machineId)?.removeUnitState(unit);
  }

  /** Sets the engine's reason for a unit. */
  async reason(unit: string, reason: string | null): Promise<void> {
    await this.registry.setUnitReason(await this.leader(), unit, reason);
  }

  /** Stops the API and sessions, removes the temp dir. */
  async close(): Promise<void> {
    await this.server?.close();
    for (const s of this.sessions.values()) await s.close();
    await this.registry.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
