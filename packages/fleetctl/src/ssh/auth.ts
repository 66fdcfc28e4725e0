// Which credentials fleetctl offers an SSH server, in order: the ssh-agent (SSH_AUTH_SOCK), the
// --identity-file key, then the default keys ~/.ssh/id_ed25519, id_ecdsa and id_rsa when present.
// (fleet offered the agent only.) Keys that cannot be read or are passphrase-protected are
// skipped; the agent can hold those.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyAuthMethod } from 'ssh2';
import { oneLine } from '@fleet/runtime';

/** Where credentials come from. */
export interface AuthSources {
  /** The ssh-agent socket (SSH_AUTH_SOCK), if any. */
  readonly agentSocket: string | undefined;
  /** `--identity-file`, `~` already expanded; `''` if not given. */
  readonly identityFile: string;
  /** The user's home directory, for the default keys. */
  readonly homeDir: string;
}

/** The methods to try and a description of each, for error messages. */
export interface AuthPlan {
  readonly methods: AnyAuthMethod[];
  readonly tried: readonly string[];
}

const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Builds the authentication plan for `username`. */
export function authPlan(
  username: string,
  sources: AuthSources,
  debug: (msg: string) => void,
): AuthPlan {
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = [];
  const agent = sources.agentSocket;
  if (agent !== undefined && agent !== '') {
    if (isSocket(agent)) {
      methods.push({ type: 'agent', username, agent });
      tried.push(`ssh-agent (${agent})`);
    } else {
      debug(`SSH_AUTH_SOCK=${agent} is not a socket; not using an agent`);
    }
  }
  const files = [
    ...(sources.identityFile === '' ? [] : [sources.identityFile]),
    ...DEFAULT_KEYS.map((k) => join(sources.homeDir, '.ssh', k)),
  ];
  for (const file of files) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (err) {
      if (file === sources.identityFile) {
        const why = oneLine(err);
        debug(`cannot read identity file ${file}: ${why}`);
      }
      continue;
    }
    methods.push({ type: 'publickey', username, key });
    tried.push(file);
  }
  return { methods, tried };
}
