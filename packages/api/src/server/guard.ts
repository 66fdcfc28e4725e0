// The checks a listener makes before the API sees a request: the DNS-rebinding defence of plain
// listeners (a Host that names the machine, as etcd's --host-whitelist after CVE-2018-1099), no
// requests from web pages on any listener, and the caller's role.
import { isIP } from 'node:net';
import { permissionProblem, type Role } from './roles.js';

/** What a listener knows about its callers. */
export interface ListenerPolicy {
  /** No TLS: the Host header must name this machine (loopback, an IP, or an allowed name). */
  readonly plain: boolean;
  /** The role of every caller, or `certificate`: the role of the client certificate. */
  readonly role: Role | 'certificate';
}

/** The request's parts the guard reads. */
export interface GuardedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A host name as compared: lower case, without a trailing dot. */
export function normalizeHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The host of a Host header (`a:1` → `a`, `[::1]:2` → `::1`); undefined if malformed. */
export function hostOfHeader(value: string): string | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s/@]+))(?::\d{1,5})?$/.exec(value);
  if (m === null) return undefined;
  return m[1] ?? m[2];
}

/**
 * Whether a plain listener serves a request with this Host: no Host (HTTP/1.0 clients; every
 * browser sends one), an IP literal (DNS rebinding needs a name), `localhost`, `domain-sock`
 * (fleetctl over the unix socket), or a name in `allowed`.
 */
export function hostAllowed(value: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (value === undefined) return true;
  const host = hostOfHeader(value.trim());
  if (host === undefined) return false;
  if (isIP(host) !== 0) return true;
  const name = normalizeHostName(host);
  return name === 'localhost' || name === 'domain-sock' || allowed.has(name);
}

function header(req: GuardedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** A message shown to the caller: a header value quoted, escaped and cut. */
function quoted(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}...` : v);
}

/**
 * Whether `origin` is the origin the request was sent to (its scheme, its Host and port): a page fleetd
 * served itself, the web console, whose module scripts are fetched with an Origin. (A page of
 * another origin cannot send this Origin; a DNS-rebinding page names its own host, which a plain
 * listener's Host check refuses.)
 */
function sameOrigin(origin: string, host: string | undefined, tls: boolean): boolean {
  if (host === undefined) return false;
  const scheme = tls ? 'https:' : 'http:';
  try {
    const o = new URL(origin);
    return (
      o.protocol === scheme &&
      o.origin === origin &&
      o.host === new URL(`${scheme}//${host.trim()}`).host
    );
  } catch {
    return false;
  }
}

/**
 * Whether a web page sent the request: an `Origin` whose host is not in `allowed`, or a
 * `Sec-Fetch-Site` saying another site did. fleetctl and curl send neither.
 */
function browserProblem(
  req: GuardedRequest,
  allowed: ReadonlySet<string>,
  tls: boolean,
): string | undefined {
  const site = header(req, 'sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site')
    return `forbidden: requests from web pages are not accepted (Sec-Fetch-Site: ${site})`;
  const origin = header(req, 'origin');
  if (origin === undefined || sameOrigin(origin, header(req, 'host'), tls)) return undefined;
  let host: string | undefined;
  try {
    host = normalizeHostName(new URL(origin).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    host = undefined;
  }
  if (host !== undefined && host !== '' && allowed.has(host)) return undefined;
  return `forbidden: requests from web pages are not accepted (Origin ${quoted(origin)})`;
}

/**
 * Why a request must be refused with 403 (one line for the caller), or undefined.
 * @param role - the caller's role (for a `certificate` listener: the certificate's, undefined
 * when it matches no configured list)
 * @param allowed - the configured host names (normalised) besides loopback and IP literals
 */
export function guardProblem(
  req: GuardedRequest,
  policy: ListenerPolicy,
  role: Role | undefined,
  allowed: ReadonlySet<string>,
): string | undefined {
  if (policy.plain) {
    const host = header(req, 'host');
    if (!hostAllowed(host, allowed))
      return `forbidden: Host ${quoted(host ?? '')} is not this machine (allowed: loopback, IP addresses, localhost and the configured host names)`;
  }
  return (
    browserProblem(req, allowed, !policy.plain) ?? permissionProblem(role, req.method, req.url)
  );
}
