// fleetctl's global (persistent) flags, fleet's names and defaults, each also settable as
// FLEETCTL_<NAME> (upper case, `-` → `_`). Precedence: command line > environment > default.
// Only these flags read the environment (as fleet: per-command flags do not), so unknown
// FLEETCTL_* variables are ignored rather than rejected.
import { UsageError } from './errors.js';

/** One global flag. */
export interface GlobalFlag {
  readonly type: 'string' | 'boolean' | 'number';
  readonly default: string | boolean | number | undefined;
  readonly describe: string;
  readonly alias?: string;
  /** Kept for compatibility, left out of help. */
  readonly hidden?: boolean;
}

/** Every global flag by name. */
export const GLOBAL_FLAGS: Readonly<Record<string, GlobalFlag>> = {
  endpoint: {
    type: 'string',
    // @fleet/client's DEFAULT_ENDPOINT, not imported: `fleetctl version` loads no client code.
    default: 'unix:///run/fleet.sock',
    describe: 'Location of the fleet API: unix:///path, http://host:port or https://host:port',
  },
  tunnel: {
    type: 'string',
    default: '',
    describe: 'Reach the API (and machines, for ssh/status/journal) through this SSH host[:port]',
  },
  'ssh-username': {
    type: 'string',
    default: 'core',
    describe: 'Username for SSH connections (tunnel, ssh, status, journal)',
  },
  'identity-file': {
    type: 'string',
    default: '',
    alias: 'i',
    describe: 'SSH private key to try after ssh-agent (then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)',
  },
  'known-hosts-file': {
    type: 'string',
    default: '~/.fleetctl/known_hosts',
    describe: 'File of known SSH host keys (OpenSSH format); ignored without strict checking',
  },
  'strict-host-key-checking': {
    type: 'boolean',
    default: true,
    describe: 'Verify SSH host keys against the known hosts file (ask about new hosts)',
  },
  'ssh-timeout': {
    type: 'number',
    default: 10,
    describe: 'Seconds allowed for setting up an SSH connection',
  },
  'request-timeout': {
    type: 'number',
    default: 3,
    describe: 'Seconds allowed for each request to the fleet API',
  },
  'ca-file': { type: 'string', default: '', describe: 'TLS CA file for an https endpoint' },
  'cert-file': { type: 'string', default: '', describe: 'TLS client certificate file' },
  'key-file': { type: 'string', default: '', describe: 'TLS client key file' },
  debug: { type: 'boolean', default: false, describe: 'Print debug information to stderr' },
  strict: {
    type: 'boolean',
    default: false,
    describe: 'Refuse unit files with an unknown [X-Fleet] key (submit, load, start, plan, apply)',
  },
  driver: {
    type: 'string',
    default: 'API',
    describe: 'Client driver; only API is supported',
    hidden: true,
  },
  'etcd-key-prefix': {
    type: 'string',
    // fleet's default, written out: fleetctl may not import @fleet/registry (parts.json: the CLI
    // loads no server code), and the HTTP client does not own etcd's key layout. The flag is
    // accepted for compatibility and ignored, so the two cannot drift in any way that matters.
    default: '/_coreos.com/fleet/',
    describe: 'Ignored (etcd driver only)',
    hidden: true,
  },
  'experimental-api': {
    type: 'boolean',
    default: true,
    describe: 'Deprecated',
    hidden: true,
  },
  'etcd-keyfile': { type: 'string', default: '', describe: 'Deprecated', hidden: true },
  'etcd-certfile': { type: 'string', default: '', describe: 'Deprecated', hidden: true },
  'etcd-cafile': { type: 'string', default: '', describe: 'Deprecated', hidden: true },
};

/** Global flags that take a value (to tell a flag's value from the command name). */
export function takesValue(flag: string): boolean {
  const spec = GLOBAL_FLAGS[flag];
  return spec !== undefined && spec.type !== 'boolean';
}

/** The name of the environment variable of a flag: `ssh-timeout` → `FLEETCTL_SSH_TIMEOUT`. */
export function envName(flag: string): string {
  return `FLEETCTL_${flag.toUpperCase().replace(/-/g, '_')}`;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Parses an environment value the way Go's flag package parsed fleet's. */
function fromEnv(flag: string, spec: GlobalFlag, text: string): string | boolean | number {
  if (spec.type === 'string') return text;
  if (spec.type === 'boolean') {
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    throw new UsageError(
      `invalid value ${JSON.stringify(text)} for ${envName(flag)}: expected true or false`,
    );
  }
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(
      `invalid value ${JSON.stringify(text)} for ${envName(flag)}: expected a number`,
    );
  }
  return n;
}

/**
 * The default of every global flag, taken from FLEETCTL_* variables where set (empty values
 * are ignored, as fleet did).
 * @throws UsageError for a variable whose value does not parse
 */
export function globalDefaults(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | boolean | number | undefined> {
  const out: Record<string, string | boolean | number | undefined> = {};
  for (const [flag, spec] of Object.entries(GLOBAL_FLAGS)) {
    const text = env[envName(flag)];
    out[flag] = text === undefined || text === '' ? spec.default : fromEnv(flag, spec, text);
  }
  return out;
}

/** The global flags, resolved. */
export interface GlobalOptions {
  readonly endpoint: string;
  readonly tunnel: string;
  readonly sshUsername: string;
  readonly identityFile: string;
  readonly knownHostsFile: string;
  readonly strictHostKeyChecking: boolean;
  readonly sshTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly debug: boolean;
  /** `--strict`: an unknown [X-Fleet] key is an error, not a warning. */
  readonly strict?: boolean;
}

/** A flag given more than once counts once, with its last value. */
const last = (v: unknown): unknown => (Array.isArray(v) ? (v as unknown[])[v.length - 1] : v);
const str = (v: unknown): string => {
  const x = last(v);
  return typeof x === 'string' ? x : '';
};

function seconds(flag: string, raw: unknown): number {
  const v = last(raw);
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new UsageError(`--${flag} must be a positive number of seconds`);
  }
  return Math.round(v * 1000);
}

/**
 * Reads the global flags from parsed arguments.
 * @throws UsageError for `--driver=etcd` (not supported) and bad timeouts
 */
export function globalOptions(args: Readonly<Record<string, unknown>>): GlobalOptions {
  const driver = str(args.driver);
  if (driver !== 'API') {
    throw new UsageError(
      `unsupported driver ${JSON.stringify(driver)}: this fleetctl only talks to fleetd's API (--driver=API)`,
    );
  }
  return {
    endpoint: str(args.endpoint),
    tunnel: str(args.tunnel),
    sshUsername: str(args['ssh-username']),
    identityFile: str(args['identity-file']),
    knownHostsFile: str(args['known-hosts-file']),
    strictHostKeyChecking: last(args['strict-host-key-checking']) !== false,
    sshTimeoutMs: seconds('ssh-timeout', args['ssh-timeout']),
    requestTimeoutMs: seconds('request-timeout', args['request-timeout']),
    caFile: str(args['ca-file']) || str(args['etcd-cafile']),
    certFile: str(args['cert-file']) || str(args['etcd-certfile']),
    keyFile: str(args['key-file']) || str(args['etcd-keyfile']),
    debug: last(args.debug) === true,
    strict: last(args.strict) === true,
  };
}
