// Paths to resources. Every resource is mounted under both /fleet/v1 and /v1-alpha; /metrics and
// /health sit at the root. `/` and the bare prefixes answer 405, anything else unknown 404.
import { HttpError } from './errors.js';
import type { RouteHandler } from './route.js';
import type { MachineRoutes } from './routes/machines.js';
import type { StateRoutes } from './routes/state.js';
import type { UnitReadRoutes } from './routes/units.js';

/** The prefixes the API is mounted under. */
export const API_PREFIXES: readonly string[] = ['/fleet/v1', '/v1-alpha'];

/** The prefix of fleet-ts's own resources beside fleet's v1 (docs/deploys.md "API"). */
export const X_PREFIX = '/fleet/x';

/**
 * A `/fleet/x/<name>` resource: given the path segments after `<name>` and the label so far
 * (`/fleet/x/<name>`), the resource, or undefined (404).
 */
export type XResolver = (rest: readonly string[], label: string) => Resource | undefined;

/** Every handler the router can dispatch to. */
export interface Routes {
  readonly units: UnitReadRoutes & { readonly put: RouteHandler };
  readonly state: StateRoutes;
  readonly machines: MachineRoutes;
  readonly discovery: RouteHandler;
  readonly metrics: RouteHandler;
  readonly health: RouteHandler;
  /** The web console's files: a path at or under `/console` (console/serve.ts). */
  readonly console: (pathname: string) => Resource;
  /** `/fleet/x/<name>` resources by name: add one entry per resource. */
  readonly x: Readonly<Record<string, XResolver>>;
}

/** A matched path: its handlers by method, and what to answer for other methods. */
export interface Resource {
  /** The route template, for metrics and logs: `/fleet/v1/units/:name`. */
  readonly label: string;
  /** Whether the API must be ready (registered, registry reachable) to serve it. */
  readonly gated: boolean;
  /** The decoded item name for item routes; `''` otherwise. */
  readonly name: string;
  readonly methods: Readonly<Record<string, RouteHandler>>;
  /** Status for a method not in `methods`: 405, except fleet's 400 on the discovery document. */
  readonly wrongMethodStatus: 400 | 405;
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `invalid percent-encoding in path segment ${JSON.stringify(segment)}`);
  }
}

export function resource(
  label: string,
  methods: Readonly<Record<string, RouteHandler>>,
  opts: { gated?: boolean; name?: string; wrongMethodStatus?: 400 | 405 } = {},
): Resource {
  return {
    label,
    methods,
    gated: opts.gated ?? true,
    name: opts.name ?? '',
    wrongMethodStatus: opts.wrongMethodStatus ?? 405,
  };
}

function resolveApi(prefix: string, rest: readonly string[], routes: Routes): Resource | undefined {
  const [kind, item, ...extra] = rest;
  if (extra.length > 0) return undefined;
  if (item === undefined) {
    switch (kind) {
      case 'units':
        return resource(`${prefix}/units`, { GET: routes.units.list });
      case 'state':
        return resource(`${prefix}/state`, { GET: routes.state.list });
      case 'machines':
        return resource(`${prefix}/machines`, {
          GET: routes.machines.list,
          PATCH: routes.machines.patch,
        });
      case 'discovery':
      case 'discovery.json':
        return resource(
          `${prefix}/discovery`,
          { GET: routes.discovery },
          { wrongMethodStatus: 400 },
        );
      default:
        return undefined;
    }
  }
  if (item === '') return undefined;
  const name = decodeSegment(item);
  if (kind === 'units') {
    const { get, put, destroy } = routes.units;
    return resource(`${prefix}/units/:name`, { GET: get, PUT: put, DELETE: destroy }, { name });
  }
  if (kind === 'state') {
    return resource(`${prefix}/state/:name`, { GET: routes.state.get }, { name });
  }
  return undefined;
}

/** A path as a message shows it: quoted (control characters escaped) and at most 200 characters. */
function showPath(pathname: string): string {
  return JSON.stringify(pathname.length > 200 ? `${pathname.slice(0, 200)}...` : pathname);
}

/** What to try instead, for a path that is not a resource. */
const RESOURCES_HINT =
  'resources are /fleet/v1/units, /fleet/v1/state, /fleet/v1/machines and /fleet/x/ (plan, apply, rollouts, events)';

/**
 * Finds the resource for a (still percent-encoded) path.
 * @throws HttpError 405 for `/` and the bare prefixes, 404 for unknown paths, 400 for bad
 * percent-encoding in an item name. fleet answered these 404s and 405s with an empty message;
 * here each names the path.
 */
export function resolveRoute(pathname: string, routes: Routes): Resource {
  if (pathname === '/') {
    throw new HttpError(405, `${showPath(pathname)} is not a resource: ${RESOURCES_HINT}`);
  }
  if (pathname === '/metrics')
    return resource('/metrics', { GET: routes.metrics }, { gated: false });
  if (pathname === '/health') return resource('/health', { GET: routes.health }, { gated: false });
  if (pathname === '/console' || pathname.startsWith('/console/')) return routes.console(pathname);
  if (pathname.startsWith(`${X_PREFIX}/`)) {
    const [name = '', ...rest] = pathname.slice(X_PREFIX.length + 1).split('/');
    const found = Object.hasOwn(routes.x, name)
      ? routes.x[name]?.(rest, `${X_PREFIX}/${name}`)
      : undefined;
    if (found !== undefined) return found;
  }
  for (const prefix of API_PREFIXES) {
    if (pathname === prefix) {
      throw new HttpError(405, `${showPath(pathname)} is not a resource: ${RESOURCES_HINT}`);
    }
    if (pathname.startsWith(`${prefix}/`)) {
      const found = resolveApi(prefix, pathname.slice(prefix.length + 1).split('/'), routes);
      if (found !== undefined) return found;
      break;
    }
  }
  throw new HttpError(404, `no resource at ${showPath(pathname)}: ${RESOURCES_HINT}`);
}

/** The message for a method a resource does not support, in fleet's words. */
export function wrongMethodMessage(r: Resource): string {
  const methods = Object.keys(r.methods);
  if (methods.length === 1)
    return `only HTTP ${methods[0] ?? 'GET'} supported against this resource`;
  return `only ${methods.slice(0, -1).join(', ')} and ${methods.at(-1) ?? ''} supported against this resource`;
}
