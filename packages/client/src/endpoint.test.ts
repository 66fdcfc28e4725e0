import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINT, parseEndpoint } from './endpoint.js';
import { EndpointError } from './errors.js';

describe('parseEndpoint', () => {
  it('reads unix and file endpoints as socket paths', () => {
    expect(parseEndpoint(DEFAULT_ENDPOINT)).toEqual({
      kind: 'unix',
      socketPath: '/run/fleet.sock',
      text: DEFAULT_ENDPOINT,
    });
    expect(parseEndpoint('file:///tmp/x%20y.sock')).toMatchObject({
      kind: 'unix',
      socketPath: '/tmp/x y.sock',
    });
  });

  it('reads http and https endpoints, with default ports and a base path', () => {
    expect(parseEndpoint('http://127.0.0.1:49153')).toMatchObject({
      kind: 'http',
      host: '127.0.0.1',
      port: 49153,
      basePath: '',
    });
    expect(parseEndpoint('https://fleet.example/')).toMatchObject({
      kind: 'https',
      host: 'fleet.example',
      port: 443,
      basePath: '',
    });
    expect(parseEndpoint('http://[::1]/proxy/fleet/')).toMatchObject({
      host: '::1',
      port: 80,
      basePath: '/proxy/fleet',
    });
  });

  it.each([
    ['unix://var/run/fleet.sock', 'unable to connect to host "var" with scheme "unix"'],
    ['file://tmp/fleet.sock', 'unable to connect to host "tmp" with scheme "file"'],
    [
      '/var/run/fleet.sock',
      'endpoint "/var/run/fleet.sock" has no scheme; did you mean unix:///var/run/fleet.sock?',
    ],
    [
      '127.0.0.1:49153',
      'endpoint "127.0.0.1:49153" has no scheme; did you mean http://127.0.0.1:49153?',
    ],
    [
      'localhost:4001',
      'endpoint "localhost:4001" has no scheme; did you mean http://localhost:4001?',
    ],
    ['[::1]:4001', 'endpoint "[::1]:4001" has no scheme; did you mean http://[::1]:4001?'],
    ['fleet.sock', 'URL scheme undefined'],
    [
      'ftp://host/',
      'unsupported scheme "ftp" in endpoint "ftp://host/" (expected unix, file, http or https)',
    ],
    ['unix:///', 'endpoint "unix:///" names no socket path'],
  ])('refuses %s', (text, message) => {
    expect(() => parseEndpoint(text)).toThrow(EndpointError);
    expect(() => parseEndpoint(text)).toThrow(message);
  });
});
