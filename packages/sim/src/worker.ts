// A worker process of the simulation: hosts either a share of the simulated machines or the
// engine, and answers the controller's requests over the IPC channel. Exits when the
// controller goes away, so nothing outlives a failed run.
import { AgentsHost } from './agents-host.js';
import { EngineHost } from './engine-host.js';
import type { Request, Response } from './protocol.js';

let host: AgentsHost | EngineHost | undefined;

async function handle(req: Request): Promise<unknown> {
  switch (req.method) {
    case 'init': {
      if (host !== undefined) throw new Error('already initialised');
      if (req.params.role === 'engine') host = new EngineHost(req.params);
      else {
        const h = new AgentsHost(req.params);
        host = h;
        await h.start();
      }
      return null;
    }
    case 'stats':
      return host?.stats(req.params.gc);
    case 'kill':
      if (!(host instanceof AgentsHost)) throw new Error('not an agents worker');
      await host.kill(req.params.machineId);
      return null;
    case 'followers':
      if (!(host instanceof AgentsHost)) throw new Error('not an agents worker');
      host.startEngines();
      return null;
    case 'stop':
      await host?.stop();
      setImmediate(() => process.exit(0));
      return null;
  }
}

function reply(res: Response): void {
  process.send?.(res);
}

process.on('message', (msg: Request) => {
  handle(msg).then(
    (result) => reply({ id: msg.id, result }),
    (err: unknown) =>
      reply({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, result: 'ready' });
