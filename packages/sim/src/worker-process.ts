// One worker process as the controller sees it: spawned through testkit's spawnTracked (so it
// is killed if the controller dies), with an IPC channel for requests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnTracked, type TrackedProcess } from '@fleet/testkit';
import type { Request, Response } from './protocol.js';

type Method = Request['method'];
type ParamsOf<M extends Method> = Extract<Request, { method: M }>['params'];

/**
 * The worker's entry point: the compiled file (`dist/src/worker.js`, as production runs
 * compiled code) when `compiled`, otherwise the same source as the caller (TypeScript through
 * tsx when the caller runs from source, so tests never run a stale build).
 */
function entry(compiled: boolean): { file: string; execArgv: string[] } {
  const self = import.meta.url;
  if (!self.endsWith('.ts'))
    return { file: fileURLToPath(new URL('./worker.js', self)), execArgv: [] };
  if (compiled) {
    const file = fileURLToPath(new URL('../dist/src/worker.js', self));
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx tsc -b)`);
    return { file, execArgv: [] };
  }
  return {
    file: fileURLToPath(new URL('./worker.ts', self)),
    execArgv: ['--conditions=source', '--import', 'tsx'],
  };
}

export class WorkerProcess {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  private constructor(
    readonly name: string,
    readonly proc: TrackedProcess,
  ) {
    proc.child.on('message', (msg: Response) => {
      const p = this.pending.get(msg.id);
      if (p === undefined) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(`${name}: ${msg.error}`));
      else p.resolve(msg.result);
    });
    void proc.exited.then(({ code, signal }) => {
      for (const p of this.pending.values())
        p.reject(
          new Error(
            `${name} exited (${String(code ?? signal)}) during a request:\n${proc.log().slice(-3000)}`,
          ),
        );
      this.pending.clear();
    });
  }

  /** Spawns a worker and waits until it is ready for requests. */
  static async spawn(name: string, compiled = false): Promise<WorkerProcess> {
    const { file, execArgv } = entry(compiled);
    const prof = process.env.SIM_PROF_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SIM_PROF_DIR}`]
      : [];
    const extra = (process.env.SIM_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
    const args = [...execArgv, ...prof, ...extra, '--expose-gc', file];
    const proc = spawnTracked(name, process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const w = new WorkerProcess(name, proc);
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: Response) => {
        if (m.id !== 0) return;
        proc.child.off('message', onMsg);
        resolve();
      };
      proc.child.on('message', onMsg);
      void proc.exited.then(() =>
        reject(new Error(`${name} exited before it was ready:\n${proc.log().slice(-3000)}`)),
      );
    });
    return w;
  }

  call<M extends Method>(method: M, params: ParamsOf<M>, timeoutMs = 180_000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${method} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.proc.child.send({ id, method, params });
    });
  }

  /** Asks the worker to stop (its fleetds stop without draining), then makes sure it exited. */
  async stop(): Promise<void> {
    if (!this.proc.running) return;
    await this.call('stop', {}, 15_000).catch(() => undefined);
    await Promise.race([this.proc.exited, new Promise((r) => setTimeout(r, 5_000))]);
    await this.proc.stop(5_000);
  }

  /** SIGKILL: every simulated machine of this worker loses power at once. */
  async kill(): Promise<void> {
    await this.proc.kill();
  }
}
