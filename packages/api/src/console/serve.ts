// The web console's files at /console/ (docs/operating.md "Web console"): static files built into
// fleetd (assets.ts, generated from packages/api/console/ by scripts/console-assets.mjs), so that
// every way fleetd is shipped (checkout, bundle, single executable, .deb) serves them. Only the
// names in that table are served, so no path can reach anything else; `/console` redirects to
// `/console/`, which is index.html. They go through the listener's guard like the API (GET and
// HEAD: the read role) and are served before fleetd is ready, so the console can say so itself.
import { jsonReply, type Reply } from '../http/reply.js';
import { errorBody } from '../errors.js';
import type { RequestContext, RouteHandler } from '../route.js';
import { resource, type Resource } from '../router.js';
import { CONSOLE_FILES, type ConsoleFile } from './assets.js';

/** Where the console is mounted. */
export const CONSOLE_PATH = '/console';

/**
 * What every console file is sent with: browsers revalidate (ETag) before each use, so a new
 * fleetd's console is picked up at the next load; scripts and styles come only from fleetd itself.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const files: ReadonlyMap<string, ConsoleFile> = new Map(Object.entries(CONSOLE_FILES));

/** Whether an If-None-Match header names `etag` (a list, `*`, or weak forms). */
function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  return text.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** The reply for one console file, or 304 when the browser's copy is current. */
export function fileReply(file: ConsoleFile, ifNoneMatch?: string | string[]): Reply {
  const headers = { ...CONSOLE_HEADERS, ETag: file.etag };
  if (matchesEtag(ifNoneMatch, file.etag)) return { kind: 'empty', status: 304, headers };
  return { kind: 'text', status: 200, contentType: file.type, body: file.body, headers };
}

const notFound = (name: string): Reply =>
  jsonReply(404, errorBody(404, `no console file ${JSON.stringify(name.slice(0, 200))}`));

function serveFile(name: string): RouteHandler {
  return ({ req }: RequestContext) => {
    const file = files.get(name);
    return Promise.resolve(
      file === undefined ? notFound(name) : fileReply(file, req.headers['if-none-match']),
    );
  };
}

const redirect: RouteHandler = () =>
  Promise.resolve({
    kind: 'empty',
    status: 301,
    headers: { ...CONSOLE_HEADERS, Location: `${CONSOLE_PATH}/` },
  });

/**
 * The resource of a path at or under /console (the router asks only for those). The name after
 * `/console/` is looked up as it is, still percent-encoded: the files' names need no encoding,
 * and `..`, `%2e%2e` or `a/b` are no file's name, so they answer 404.
 */
export function consoleResource(pathname: string): Resource {
  if (pathname === CONSOLE_PATH) {
    return resource(CONSOLE_PATH, { GET: redirect, HEAD: redirect }, { gated: false });
  }
  const rest = pathname.slice(CONSOLE_PATH.length + 1);
  const name = rest === '' ? 'index.html' : rest;
  const serve = serveFile(name);
  return resource(`${CONSOLE_PATH}/:file`, { GET: serve, HEAD: serve }, { gated: false, name });
}
