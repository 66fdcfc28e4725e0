import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** One apt source: where packages come from, for which suites. */
export interface AptSource {
  uri: string;
  suites: string[];
}

/** Parses deb822 `.sources` text (stanzas separated by blank lines) into its `deb` sources. */
export function parseDeb822(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    if (!types.includes('deb') || fields.get('enabled') === 'no') continue;
    const suites = (fields.get('suites') ?? '').split(/\s+/).filter(Boolean);
    for (const uri of (fields.get('uris') ?? '').split(/\s+/).filter(Boolean)) {
      sources.push({ uri, suites });
    }
  }
  return sources;
}

/** Parses one-line-style `sources.list` text (`deb [opts] URI SUITE COMPONENTS...`). */
export function parseSourcesList(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw
      .replace(/#.*/, '')
      .replace(/\[[^\]]*\]/, '')
      .trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type === 'deb' && uri !== undefined && suite !== undefined) {
      sources.push({ uri, suites: [suite] });
    }
  }
  return sources;
}

/** The mirror serving `suite` itself (not `-security`/`-updates`), or else the first one. */
export function pickMirror(sources: readonly AptSource[], suite: string): string | undefined {
  const exact = sources.find((s) => s.suites.includes(suite));
  return (exact ?? sources[0])?.uri.replace(/\/+$/, '');
}

/**
 * The Debian mirror that apt on this machine already uses, read from
 * `/etc/apt/sources.list.d/*.sources` and `/etc/apt/sources.list` at run time.
 */
export async function hostDebianMirror(suite: string, aptDir = '/etc/apt'): Promise<string> {
  const sources: AptSource[] = [];
  const dir = join(aptDir, 'sources.list.d');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    if (name.endsWith('.sources')) sources.push(...parseDeb822(text));
    else if (name.endsWith('.list')) sources.push(...parseSourcesList(text));
  }
  const list = await readFile(join(aptDir, 'sources.list'), 'utf8').catch(() => '');
  sources.push(...parseSourcesList(list));
  const mirror = pickMirror(sources, suite);
  if (mirror === undefined) {
    throw new Error(`no deb source in ${aptDir}/sources.list(.d): cannot pick a Debian mirror`);
  }
  return mirror;
}
