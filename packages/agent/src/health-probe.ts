// One run of a unit's health check (docs/deploys.md, "Health"): a command, spawned without a
// shell in a process group of its own and killed with its group when it takes too long, or a GET
// of an http(s) URL. The timeout runs on the agent's Clock, so tests may use a manual one.
import { spawn } from 'node:child_process';
import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { oneLine, type Clock } from '@fleet/runtime';
import type { HealthProbe } from '@fleet/unit';

/** Characters of a check's output kept (the rest is dropped). */
export const MAX_HEALTH_OUTPUT = 256;

/** What one check found. */
export interface ProbeResult {
  readonly status: 'passing' | 'failing';
  /** The check's first output, the HTTP status line, or why it failed; absent if it said nothing. */
  readonly output?: string;
}

/** How a probe runs: its deadline on `clock`; `signal` ends it early (the result is then moot). */
export interface ProbeContext {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

const clip = (text: string): string => text.slice(0, MAX_HEALTH_OUTPUT);

function result(status: ProbeResult['status'], output: string): ProbeResult {
  const text = clip(output.trimEnd());
  return text === '' ? { status } : { status, output: text };
}

const timedOut = (ms: number) =>
  `timed out after ${ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`}`;

/** Runs `probe` once. Never rejects. */
export function runProbe(probe: HealthProbe, ctx: ProbeContext): Promise<ProbeResult> {
  return probe.kind === 'command' ? runCommand(probe.argv, ctx) : runUrl(probe.url, ctx);
}

/** SIGKILL to the process group `pid` leads; gone already is fine. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left of it
  }
}

/**
 * Spawns `argv` (no shell; stdin /dev/null; cwd /) as the leader of a new process group and
 * waits for it: exit 0 passes. Its stdout and stderr, as they come, are the output. At the
 * timeout, or on abort, the whole group is killed. Processes of the group still holding its
 * output open after it exits are killed too, so a check leaves nothing behind.
 */
export function runCommand(argv: readonly string[], ctx: ProbeContext): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const [file = '', ...args] = argv;
    let output = '';
    let done = false;
    let exit: ProbeResult | undefined;
    let open = 2;
    const child = spawn(file, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: '/',
    });
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      cancelTimer();
      ctx.signal.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(r);
    };
    const onAbort = (): void => {
      killGroup(child.pid);
      finish({ status: 'failing', output: 'stopped' });
    };
    const cancelTimer = ctx.clock.setTimer(ctx.timeoutMs, () => {
      killGroup(child.pid);
      finish(exit ?? { status: 'failing', output: timedOut(ctx.timeoutMs) });
    });
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (ctx.signal.aborted) onAbort();
    const collect = (chunk: Buffer): void => {
      if (output.length < MAX_HEALTH_OUTPUT) output += chunk.toString('utf8');
    };
    const closed = (): void => {
      if (--open === 0 && exit !== undefined) finish(exit);
    };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', collect);
      stream?.on('close', closed);
    }
    child.on('error', (err) =>
      finish({ status: 'failing', output: clip(`cannot run ${file}: ${oneLine(err)}`) }),
    );
    child.on('exit', (code, signal) => {
      const why = code === null ? `killed by ${signal ?? 'a signal'}` : `exit status ${code}`;
      exit =
        code === 0 ? result('passing', output) : result('failing', output === '' ? why : output);
      if (open === 0) finish(exit);
      else killGroup(child.pid); // what it left running still holds its output
    });
  });
}

/**
 * GETs `url` (no keep-alive, no redirect followed): a 2xx or 3xx status passes; the status line
 * is the output. A connection error or the timeout fails. An https certificate is not verified:
 * the check asks whether the service answers, as Kubernetes' HTTPS probes do.
 */
export function runUrl(url: string, ctx: ProbeContext): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let done = false;
    let req: ClientRequest | undefined;
    const finish = (r: ProbeResult): void => {
      if (done) return;
      done = true;
      cancelTimer();
      ctx.signal.removeEventListener('abort', onAbort);
      req?.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ status: 'failing', output: 'stopped' });
    const cancelTimer = ctx.clock.setTimer(ctx.timeoutMs, () =>
      finish({ status: 'failing', output: timedOut(ctx.timeoutMs) }),
    );
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const onResponse = (res: IncomingMessage): void => {
      const code = res.statusCode ?? 0;
      res.resume();
      const line = `HTTP ${code}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
      finish({ status: code >= 200 && code < 400 ? 'passing' : 'failing', output: clip(line) });
    };
    try {
      const https = url.startsWith('https:');
      req = https
        ? httpsGet(url, { agent: false, rejectUnauthorized: false }, onResponse)
        : httpGet(url, { agent: false }, onResponse);
      req.on('error', (err) => finish({ status: 'failing', output: clip(oneLine(err)) }));
    } catch (err) {
      finish({ status: 'failing', output: clip(oneLine(err)) });
    }
    if (ctx.signal.aborted) onAbort();
  });
}
