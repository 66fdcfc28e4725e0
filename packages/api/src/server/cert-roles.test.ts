import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  certificateSubjects,
  parseSubjects,
  permissionProblem,
  resourceOf,
  roleOfCertificate,
  type RoleSubjects,
} from './roles.js';

const cert = (cn: string | string[], san?: string) =>
  ({
    subject: { CN: cn },
    ...(san !== undefined ? { subjectaltname: san } : {}),
  }) as unknown as PeerCertificate;

describe('role subjects', () => {
  it('parse from KIND=value lists, kinds in any case', () => {
    expect(parseSubjects(' CN=ops, dns=ci.example.com,URI=spiffe://x/ci ,')).toEqual([
      { kind: 'CN', value: 'ops' },
      { kind: 'DNS', value: 'ci.example.com' },
      { kind: 'URI', value: 'spiffe://x/ci' },
    ]);
    expect(parseSubjects('')).toEqual([]);
  });

  it('refuse anything else with one line naming the entry', () => {
    expect(() => parseSubjects('ops')).toThrow(
      '"ops" is not a subject (expected CN|DNS|IP|URI|EMAIL=value)',
    );
    expect(() => parseSubjects('O=acme')).toThrow(/"O=acme" is not a subject/);
    expect(() => parseSubjects('CN=')).toThrow(/"CN=" is not a subject/);
    expect(() => parseSubjects('CN=a\u0007b')).toThrow(/control characters/);
  });

  it("are read from a certificate's CNs and subject alternative names", () => {
    expect(
      certificateSubjects(
        cert(['a', 'b'], 'DNS:ci.example.com, IP Address:127.0.0.1, email:x@y, URI:spiffe://x'),
      ),
    ).toEqual([
      { kind: 'CN', value: 'a' },
      { kind: 'CN', value: 'b' },
      { kind: 'DNS', value: 'ci.example.com' },
      { kind: 'IP', value: '127.0.0.1' },
      { kind: 'EMAIL', value: 'x@y' },
      { kind: 'URI', value: 'spiffe://x' },
    ]);
  });
});

describe('the role of a certificate', () => {
  const roles: RoleSubjects = {
    admin: parseSubjects('CN=ops,DNS=deploy.ci.example.com'),
    read: parseSubjects('CN=monitor'),
  };
  const role = (c: PeerCertificate) => roleOfCertificate(certificateSubjects(c), roles);

  it('is admin for every certificate when no role is configured (as before roles)', () => {
    expect(roleOfCertificate(certificateSubjects(cert('anyone')), undefined)).toBe('admin');
    expect(roleOfCertificate([], { admin: [], read: [] })).toBe('admin');
  });

  it('follows the lists, admin first; a certificate on no list has none', () => {
    expect(role(cert('ops'))).toBe('admin');
    expect(role(cert('x', 'DNS:DEPLOY.ci.example.com'))).toBe('admin');
    expect(role(cert('monitor'))).toBe('read');
    expect(role(cert('Monitor'))).toBeUndefined();
    expect(role(cert('etcd-peer'))).toBeUndefined();
    expect(
      roleOfCertificate(certificateSubjects(cert('ops')), { admin: [], read: roles.read }),
    ).toBeUndefined();
  });
});

describe('permissions', () => {
  it('read may GET and HEAD anything, /metrics included; admin everything', () => {
    for (const m of ['GET', 'HEAD'])
      for (const url of ['/fleet/v1/units', '/metrics', '/health'])
        expect(permissionProblem('read', m, url)).toBeUndefined();
    for (const m of ['GET', 'PUT', 'DELETE', 'PATCH'])
      expect(permissionProblem('admin', m, '/fleet/v1/units/a.service')).toBeUndefined();
  });

  it('refuse read writes naming the method and the resource', () => {
    expect(permissionProblem('read', 'PUT', '/fleet/v1/units/a.service')).toBe(
      'permission denied: role read cannot PUT units',
    );
    expect(permissionProblem('read', 'DELETE', '/fleet/v1/units/a.service?x=1')).toBe(
      'permission denied: role read cannot DELETE units',
    );
    expect(permissionProblem('read', 'PATCH', '/fleet/v1/machines/abc')).toBe(
      'permission denied: role read cannot PATCH machines',
    );
    expect(permissionProblem(undefined, 'GET', '/fleet/v1/units')).toBe(
      'permission denied: the client certificate is not granted a role',
    );
  });

  it('name resources without quoting the caller', () => {
    expect(resourceOf('/fleet/v1/state?unitName=a')).toBe('state');
    expect(resourceOf('/metrics')).toBe('metrics');
    expect(resourceOf('/')).toBe('/');
    expect(resourceOf('/fleet/v1/\u001b[31m')).toBe('/');
  });
});
