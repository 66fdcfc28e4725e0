// Who may do what through the API: two roles, `read` (GET and HEAD, /metrics included) and
// `admin` (everything). A listener gives a fixed role (the admin unix socket, the read-only one,
// a plain loopback listener) or the role of the client certificate, found by its subject.
import type { PeerCertificate } from 'node:tls';

/** What a caller may do: `read` may GET and HEAD, `admin` may do everything. */
export type Role = 'read' | 'admin';

/** The parts of a certificate's subject a role can be granted to. */
export const SUBJECT_KINDS = ['CN', 'DNS', 'IP', 'URI', 'EMAIL'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** One name of a certificate: its subject's CN, or one of its subject alternative names. */
export interface Subject {
  readonly kind: SubjectKind;
  readonly value: string;
}

/**
 * Which certificates get which role. Both lists empty: every certificate the CA signed is
 * `admin` (as before roles existed). Otherwise a certificate matching no list gets no access.
 */
export interface RoleSubjects {
  readonly admin: readonly Subject[];
  readonly read: readonly Subject[];
}

/** How a subject is written in a configuration: `CN=ops`, `DNS=ci.example.com`. */
export function showSubject(s: Subject): string {
  return `${s.kind}=${s.value}`;
}

/**
 * Reads a list of subjects: `CN=ops,DNS=ci.example.com,URI=spiffe://x/ci` (commas between
 * entries, so a value cannot contain one).
 * @throws RangeError naming the first entry that is not `KIND=value`
 */
export function parseSubjects(text: string): Subject[] {
  const out: Subject[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const kind = item.slice(0, Math.max(eq, 0)).trim().toUpperCase();
    const value = item.slice(eq + 1).trim();
    if (eq <= 0 || value === '' || !(SUBJECT_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(
        `${JSON.stringify(item)} is not a subject (expected ${SUBJECT_KINDS.join('|')}=value)`,
      );
    }
    if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
      throw new RangeError(`${JSON.stringify(item)}: control characters are not allowed`);
    out.push({ kind: kind as SubjectKind, value });
  }
  return out;
}

const SAN_KINDS: Readonly<Record<string, SubjectKind>> = {
  DNS: 'DNS',
  'IP Address': 'IP',
  URI: 'URI',
  email: 'EMAIL',
};

/** The names of a peer certificate: every CN of its subject and its subject alternative names. */
export function certificateSubjects(cert: PeerCertificate): Subject[] {
  const out: Subject[] = [];
  const cn: unknown = (cert.subject as Record<string, unknown> | undefined)?.['CN'];
  for (const v of Array.isArray(cn) ? cn : [cn])
    if (typeof v === 'string') out.push({ kind: 'CN', value: v });
  for (const entry of (cert.subjectaltname ?? '').split(', ')) {
    const colon = entry.indexOf(':');
    const kind = SAN_KINDS[entry.slice(0, colon)];
    if (colon > 0 && kind !== undefined) out.push({ kind, value: entry.slice(colon + 1) });
  }
  return out;
}

function matches(names: readonly Subject[], list: readonly Subject[]): boolean {
  return list.some((want) =>
    names.some(
      (have) =>
        have.kind === want.kind &&
        // Host names and addresses compare without case; CN, URI and e-mail exactly.
        (have.kind === 'DNS' || have.kind === 'IP'
          ? have.value.toLowerCase() === want.value.toLowerCase()
          : have.value === want.value),
    ),
  );
}

/** Whether roles are configured at all (otherwise every CA-signed certificate is admin). */
export function rolesConfigured(roles: RoleSubjects | undefined): roles is RoleSubjects {
  return roles !== undefined && roles.admin.length + roles.read.length > 0;
}

/**
 * The role of a certificate with these names: `admin` if one matches the admin list, else `read`
 * if one matches the read list, else none. Without configured roles, always `admin`.
 */
export function roleOfCertificate(
  names: readonly Subject[],
  roles: RoleSubjects | undefined,
): Role | undefined {
  if (!rolesConfigured(roles)) return 'admin';
  if (matches(names, roles.admin)) return 'admin';
  if (matches(names, roles.read)) return 'read';
  return undefined;
}

/** What a request is about, for a message: `units`, `machines`, `state`, `metrics`... */
export function resourceOf(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const parts = path.split('/').filter((p) => p !== '');
  const name =
    parts[0] === 'fleet' && (parts[1] === 'v1' || parts[1] === 'x') ? parts[2] : parts[0];
  return name === undefined || !/^[A-Za-z0-9._-]{1,64}$/.test(name) ? '/' : name;
}

/** The methods `read` may use. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Why `role` may not make this request (one line for the caller), or undefined when it may.
 * `undefined` role: a certificate that matches no configured list.
 */
export function permissionProblem(
  role: Role | undefined,
  method: string,
  url: string,
): string | undefined {
  if (role === 'admin') return undefined;
  if (role === 'read') {
    if (READ_METHODS.has(method)) return undefined;
    const shown = /^[A-Z]{1,16}$/.test(method) ? method : 'use this method on';
    return `permission denied: role read cannot ${shown} ${resourceOf(url)}`;
  }
  return 'permission denied: the client certificate is not granted a role';
}
