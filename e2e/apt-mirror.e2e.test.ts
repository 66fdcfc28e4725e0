import { describe, expect, it } from 'vitest';
import { hostDebianMirror, parseDeb822, parseSourcesList, pickMirror } from './src/apt-mirror.js';

// Pure parsing, kept beside the harness it serves (the unit project only looks in packages/).
describe('the Debian mirror for debootstrap, read from apt', () => {
  it('picks the mirror of the suite itself from deb822 sources, not -security', () => {
    const text = [
      'Types: deb',
      'URIs: http://mirror.example/debian-security',
      'Suites: bookworm-security',
      '',
      'Types: deb-src',
      'URIs: http://src.example/debian',
      'Suites: bookworm',
      '',
      'Types: deb',
      '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
      'URIs: http://mirror.example/debian/',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    const sources = parseDeb822(text);
    expect(sources.map((s) => s.uri)).toEqual([
      'http://mirror.example/debian-security',
      'http://mirror.example/debian/',
    ]);
    expect(pickMirror(sources, 'bookworm')).toBe('http://mirror.example/debian');
  });

  it('reads one-line sources.list entries, options and comments included', () => {
    const text = [
      '# deb http://old.example/debian bookworm main',
      'deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main',
      'deb-src http://src.example/debian bookworm main',
    ].join('\n');
    expect(parseSourcesList(text)).toEqual([
      { uri: 'http://mirror.example/debian', suites: ['bookworm'] },
    ]);
  });

  it('finds a mirror in this host’s apt configuration', async () => {
    expect(await hostDebianMirror('bookworm')).toMatch(/^https?:\/\/\S+[^/]$/);
  });
});
