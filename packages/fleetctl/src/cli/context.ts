// What a running command works with: its streams, the global flags, a lazily created API client
// (through the SSH tunnel when --tunnel is given), the machine list, SSH settings and cleanup.
// The API client and ssh2 are imported on first use only, so that help and usage errors do not
// load them.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { FleetClient, WireMachine } from '@fleet/client';
import { oneLine } from '@fleet/runtime';
import type { SshClient, SshSettings } from '../ssh/connect.js';
import type { TerminalOpener } from '../ssh/terminal.js';
import { CliError, UsageError } from './errors.js';
import type { GlobalOptions } from './globals.js';
import { escapeLine } from '../output/escape.js';
import type { UnitResults } from '../output/results.js';
import { isTty, type CliIo, type RunIo } from './io.js';

/** Run options with their defaults filled in. */
export interface Settings {
  readonly pollIntervalMs: number;
  readonly pollsPerAttempt: number;
  readonly machineIdFile: string;
  readonly cwd: string;
}

/** One command's world. */
export class Context {
  readonly io: CliIo;
  readonly settings: Settings;
  private client: Promise<FleetClient> | undefined;
  private machineList: Promise<ReadonlyMap<string, WireMachine>> | undefined;
  private bastionConn: Promise<SshClient> | undefined;
  private readonly cleanups: (() => void | Promise<void>)[] = [];
  private readonly openTerminal: TerminalOpener | undefined;
  /** With `-o json` (output/results.ts): each unit's result; text lines on stdout are left out. */
  results: UnitResults | undefined;

  constructor(
    io: RunIo,
    readonly globals: GlobalOptions,
  ) {
    // Kept as given: its streams may be made when first used (see processIo).
    this.io = io;
    this.openTerminal = io.openTerminal;
    this.settings = {
      pollIntervalMs: io.pollIntervalMs ?? 250,
      pollsPerAttempt: io.pollsPerAttempt ?? 8,
      machineIdFile: io.machineIdFile ?? '/etc/machine-id',
      cwd: io.cwd ?? process.cwd(),
    };
  }

  /** Prints a line on stdout (control characters escaped: it may hold the cluster's text). */
  out(line: string): void {
    if (this.results !== undefined) return;
    this.io.stdout.write(`${escapeLine(line)}\n`);
  }

  /** Prints a line on stderr (control characters escaped). */
  err(line: string): void {
    this.io.stderr.write(`${escapeLine(line)}\n`);
  }

  /** Prints a debug line on stderr with --debug (control characters escaped). */
  debug(msg: string): void {
    if (this.globals.debug) this.io.stderr.write(`DEBUG fleetctl: ${escapeLine(msg)}\n`);
  }

  /** A path from the command line, relative to the working directory; `~/` is expanded. */
  path(p: string): string {
    const home = this.io.env.HOME ?? homedir();
    const expanded = p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
    return isAbsolute(expanded) ? expanded : resolve(this.settings.cwd, expanded);
  }

  /** Registers cleanup to run when the command ends. */
  onClose(fn: () => void | Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Runs every cleanup (last registered first). */
  async close(): Promise<void> {
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // cleanup is best effort
      }
    }
  }

  /**
   * The API client, created on first use (opening the --tunnel connection first).
   * @throws CliError `Unable to initialize client: <why>` (bad endpoint, TLS file, tunnel)
   */
  api(): Promise<FleetClient> {
    this.client ??= this.createClient().catch((err: unknown) => {
      throw new CliError(`Unable to initialize client: ${oneLine(err)}`, { cause: err });
    });
    return this.client;
  }

  private async createClient(): Promise<FleetClient> {
    const { FleetClient: Client, parseEndpoint } = await import('@fleet/client');
    const g = this.globals;
    const endpoints = g.endpoint.split(',');
    const endpoint = endpoints[0] ?? '';
    if (endpoints.length > 1) {
      this.err(`WARNING: multiple endpoints provided but only the first (${endpoint}) is used`);
    }
    const parsed = parseEndpoint(endpoint);
    let createConnection: (() => Promise<Duplex>) | undefined;
    if (g.tunnel !== '') {
      const bastion = await this.bastion();
      const { tunnelConnection } = await import('../ssh/tunnel.js');
      if (bastion !== undefined) createConnection = tunnelConnection(bastion, parsed);
    }
    const tls = {
      ...(g.caFile === '' ? {} : { caFile: this.path(g.caFile) }),
      ...(g.certFile === '' ? {} : { certFile: this.path(g.certFile) }),
      ...(g.keyFile === '' ? {} : { keyFile: this.path(g.keyFile) }),
    };
    const client = new Client({
      endpoint,
      timeoutMs: g.requestTimeoutMs,
      ...tls,
      ...(createConnection === undefined ? {} : { createConnection }),
    });
    this.onClose(() => client.close());
    if (!g.debug) return client;
    const { debugClient } = await import('./debug-client.js');
    return debugClient(client, (msg) => this.debug(msg));
  }

  /** Live machines by ID (fetched once per command). */
  machines(): Promise<ReadonlyMap<string, WireMachine>> {
    this.machineList ??= this.api()
      .then((api) => api.listMachines())
      .then((list) => new Map(list.map((m) => [m.id, m])));
    return this.machineList;
  }

  /** A machine's record, if it is alive (best effort: an API error gives `undefined`). */
  async machine(id: string): Promise<WireMachine | undefined> {
    try {
      return (await this.machines()).get(id);
    } catch {
      return undefined;
    }
  }

  /** This machine's ID (from /etc/machine-id), if readable. */
  localMachineId(): string | undefined {
    try {
      const id = readFileSync(this.settings.machineIdFile, 'utf8').trim();
      return id === '' ? undefined : id;
    } catch {
      return undefined;
    }
  }

  /** How to connect over SSH (user, keys, host key checking, prompts). */
  sshSettings(): SshSettings {
    const g = this.globals;
    return {
      username: g.sshUsername,
      timeoutMs: g.sshTimeoutMs,
      debug: (msg) => this.debug(msg),
      auth: {
        agentSocket: this.io.env.SSH_AUTH_SOCK,
        identityFile: g.identityFile === '' ? '' : this.path(g.identityFile),
        homeDir: this.io.env.HOME ?? homedir(),
      },
      hostKeys: {
        strict: g.strictHostKeyChecking,
        knownHostsFile: this.path(g.knownHostsFile),
        stderr: this.io.stderr,
        // As OpenSSH: asked and answered on the controlling terminal, never on stdin (piped
        // input must not answer for the user, nor lose a line to the question).
        ask: async (question) => {
          const { readLine } = await import('../ssh/prompt.js');
          const { openControllingTerminal } = await import('../ssh/terminal.js');
          const { NoTerminalError } = await import('../ssh/errors.js');
          const term = (this.openTerminal ?? openControllingTerminal)();
          if (term === undefined) throw new NoTerminalError();
          try {
            term.output.write(question);
            const line = await readLine(term.input);
            if (line === undefined) term.output.write('\n');
            return line;
          } finally {
            term.close();
          }
        },
      },
    };
  }

  /** The --tunnel connection (opened once), or `undefined` without --tunnel. */
  async bastion(): Promise<SshClient | undefined> {
    if (this.globals.tunnel === '') return undefined;
    this.bastionConn ??= (async () => {
      const { parseTunnel } = await import('../ssh/tunnel.js');
      const { sshConnect } = await import('../ssh/connect.js');
      const { host, port } = parseTunnel(this.globals.tunnel);
      if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new UsageError(`invalid --tunnel ${JSON.stringify(this.globals.tunnel)}`);
      }
      try {
        const conn = await sshConnect(host, port, this.sshSettings());
        this.onClose(() => {
          conn.end();
        });
        return conn;
      } catch (err) {
        throw new CliError(`failed initializing SSH tunnel: ${oneLine(err)}`, { cause: err });
      }
    })();
    return this.bastionConn;
  }

  /** Whether progress can be drawn on stderr. */
  get interactive(): boolean {
    return isTty(this.io.stderr);
  }
}
