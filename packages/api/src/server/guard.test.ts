import { describe, expect, it } from 'vitest';
import { guardProblem, hostAllowed, type GuardedRequest, type ListenerPolicy } from './guard.js';
import { isLoopbackHost } from './listener.js';

const plainAdmin: ListenerPolicy = { plain: true, role: 'admin' };
const tlsPolicy: ListenerPolicy = { plain: false, role: 'certificate' };
const none = new Set<string>();

function req(headers: GuardedRequest['headers'], method = 'PUT'): GuardedRequest {
  return { method, url: '/fleet/v1/units/a.service', headers };
}

describe('the Host check of plain listeners (DNS rebinding)', () => {
  it('accepts loopback, IP literals, localhost, domain-sock and no Host', () => {
    for (const host of [
      '127.0.0.1:49153',
      '127.0.0.11',
      '[::1]:49153',
      'localhost',
      'LOCALHOST.:49153',
      'domain-sock',
      '192.0.2.7:49153',
      undefined,
    ])
      expect(hostAllowed(host, none), String(host)).toBe(true);
  });

  it('refuses any other name, and malformed values', () => {
    for (const host of ['attacker.example:49153', 'a b', 'x@127.0.0.1', '', '::1'])
      expect(hostAllowed(host, none), host).toBe(false);
  });

  it('accepts the configured names, in any case', () => {
    const allowed = new Set(['fleet.internal']);
    expect(hostAllowed('FLEET.internal:49153', allowed)).toBe(true);
    expect(hostAllowed('other.internal:49153', allowed)).toBe(false);
  });

  it('answers a forged Host with one line naming it; TLS listeners do not check Host', () => {
    expect(guardProblem(req({ host: 'attacker.example:49153' }), plainAdmin, 'admin', none)).toBe(
      'forbidden: Host "attacker.example:49153" is not this machine (allowed: loopback, IP addresses, localhost and the configured host names)',
    );
    expect(
      guardProblem(req({ host: 'attacker.example:49153' }), tlsPolicy, 'admin', none),
    ).toBeUndefined();
    expect(guardProblem(req({ host: '127.0.0.1:1' }), plainAdmin, 'admin', none)).toBeUndefined();
  });
});

describe('requests from web pages', () => {
  it('are refused by Origin on every listener, unless the origin is an allowed name', () => {
    const h = { host: '127.0.0.1:49153', origin: 'http://127.0.0.1:8080' };
    const msg =
      'forbidden: requests from web pages are not accepted (Origin "http://127.0.0.1:8080")';
    expect(guardProblem(req(h), plainAdmin, 'admin', none)).toBe(msg);
    expect(guardProblem(req(h, 'GET'), tlsPolicy, 'admin', none)).toBe(msg);
    expect(guardProblem(req({ origin: 'null' }), plainAdmin, 'admin', none)).toMatch(
      /Origin "null"/,
    );
    const allowed = new Set(['console.internal']);
    expect(
      guardProblem(req({ origin: 'https://console.internal' }), plainAdmin, 'admin', allowed),
    ).toBeUndefined();
  });

  it('are refused by Sec-Fetch-Site cross-site and same-site, not same-origin or none', () => {
    for (const site of ['cross-site', 'same-site'])
      expect(guardProblem(req({ 'sec-fetch-site': site }), plainAdmin, 'admin', none)).toBe(
        `forbidden: requests from web pages are not accepted (Sec-Fetch-Site: ${site})`,
      );
    for (const site of ['same-origin', 'none'])
      expect(
        guardProblem(req({ 'sec-fetch-site': site }), plainAdmin, 'admin', none),
      ).toBeUndefined();
  });
});

describe('roles at the guard', () => {
  it('lets read GET and refuses its writes with the method and the resource', () => {
    const r: ListenerPolicy = { plain: true, role: 'read' };
    expect(guardProblem(req({}, 'GET'), r, 'read', none)).toBeUndefined();
    expect(guardProblem(req({}, 'PUT'), r, 'read', none)).toBe(
      'permission denied: role read cannot PUT units',
    );
  });

  it('lets read see rollouts and refuses it pause, resume and undo', () => {
    const r: ListenerPolicy = { plain: true, role: 'read' };
    const at = (method: string, url: string): GuardedRequest => ({ method, url, headers: {} });
    expect(guardProblem(at('GET', '/fleet/x/rollouts/web@.service'), r, 'read', none)).toBe(
      undefined,
    );
    for (const action of ['pause', 'resume', 'undo']) {
      expect(
        guardProblem(at('POST', `/fleet/x/rollouts/web@.service/${action}`), r, 'read', none),
      ).toBe('permission denied: role read cannot POST rollouts');
    }
  });
});

describe('loopback listening addresses', () => {
  it('are 127.0.0.0/8, ::1 and localhost only', () => {
    for (const h of ['127.0.0.1', '127.9.8.7', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '', '128.0.0.1', '10.0.0.1', 'myhost', '127.0.0.256'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});
