// Endpoint strings as fleetctl's --endpoint takes them: `unix:///path`, `file:///path`,
// `http://host:port[/base]`, `https://host:port[/base]`.
import { EndpointError } from './errors.js';

/** fleetctl's default endpoint. */
export const DEFAULT_ENDPOINT = 'unix:///run/fleet.sock';

/** A parsed endpoint. `basePath` is prefixed to every API path (no trailing slash). */
export type Endpoint =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly text: string }
  | {
      readonly kind: 'http' | 'https';
      readonly host: string;
      readonly port: number;
      readonly basePath: string;
      readonly text: string;
    };

const SCHEMES = new Set(['unix', 'file', 'http', 'https']);

/**
 * The endpoint meant by one written without a scheme: `host:port` (or `[v6]:port`, with an
 * optional path) is `http://host:port`, an absolute path is `unix://PATH`; `undefined` for
 * anything else.
 */
function schemeFix(text: string): string | undefined {
  if (text.startsWith('/')) return `unix://${text}`;
  const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})(\/.*)?$/.exec(text);
  if (m === null || SCHEMES.has((m[1] ?? '').toLowerCase())) return undefined;
  return `http://${text}`;
}

/**
 * Parses an endpoint.
 * @throws EndpointError naming the fix for an endpoint without a scheme (`endpoint "h:1" has no
 * scheme; did you mean http://h:1?`), fleet's messages `URL scheme undefined`, `unable to connect to
 * host "var" with scheme "unix"` (for `unix://var/run/fleet.sock`), or an unsupported scheme
 */
export function parseEndpoint(text: string): Endpoint {
  const fix = schemeFix(text);
  if (fix !== undefined) {
    throw new EndpointError(`endpoint ${JSON.stringify(text)} has no scheme; did you mean ${fix}?`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EndpointError(
      /^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)
        ? `invalid endpoint ${JSON.stringify(text)}`
        : 'URL scheme undefined',
    );
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'unix' || scheme === 'file') {
    // A missing slash after the scheme makes the first path segment a host, as in Go.
    if (url.host !== '') {
      throw new EndpointError(
        `unable to connect to host ${JSON.stringify(url.host)} with scheme ${JSON.stringify(scheme)}`,
      );
    }
    const socketPath = decodeURIComponent(url.pathname);
    if (socketPath === '' || socketPath === '/') {
      throw new EndpointError(`endpoint ${JSON.stringify(text)} names no socket path`);
    }
    return { kind: 'unix', socketPath, text };
  }
  if (scheme === 'http' || scheme === 'https') {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    return { kind: scheme, host, port, basePath: url.pathname.replace(/\/+$/, ''), text };
  }
  throw new EndpointError(
    `unsupported scheme ${JSON.stringify(scheme)} in endpoint ${JSON.stringify(text)} (expected unix, file, http or https)`,
  );
}
