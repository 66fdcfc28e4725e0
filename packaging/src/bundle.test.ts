import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyRewrite, REWRITES, type Rewrite } from './bundle.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The file each rewrite is for, in this checkout. */
function target(rw: Rewrite): string {
  const ssh2 = dirname(
    createRequire(join(ROOT, 'packages/fleetctl/package.json')).resolve('ssh2/package.json'),
  );
  const files = [
    ...[
      'packages/fleetctl/src/version.ts',
      'packages/fleetctl/src/cli/parser.ts',
      'packages/fleetctl/src/cli/flag-parser.ts',
    ].map((f) => join(ROOT, f)),
    join(ssh2, 'lib/protocol/crypto.js'),
    join(ssh2, 'lib/protocol/constants.js'),
  ];
  const file = files.find((f) => rw.file.test(f));
  if (file === undefined) throw new Error(`no file for ${String(rw.file)}`);
  return file;
}

describe("the bundle's source rewrites", () => {
  it('each finds its text exactly once in the file it is for', () => {
    for (const rw of REWRITES) {
      const file = target(rw);
      const text = readFileSync(file, 'utf8');
      const out = applyRewrite(text, rw, ROOT, file);
      expect(out).not.toContain(rw.from);
      expect(out.length).toBeGreaterThan(0);
    }
  });

  it('refuses a file where the text is missing or twice', () => {
    const rw: Rewrite = { file: /x/, from: 'AB', to: () => 'C' };
    expect(applyRewrite('xABy', rw, ROOT, 'f')).toBe('xCy');
    expect(() => applyRewrite('xy', rw, ROOT, 'f')).toThrow('f: expected "AB" exactly once');
    expect(() => applyRewrite('ABAB', rw, ROOT, 'f')).toThrow('exactly once');
  });

  it("the fleetctl version it inlines is fleetctl's package.json", () => {
    const rw = REWRITES.find((r) => r.file.test('/packages/fleetctl/src/version.ts'));
    const inlined = JSON.parse(JSON.parse(rw?.to(ROOT) ?? '""') as string) as { version: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/fleetctl/package.json'), 'utf8')) as {
      version: string;
    };
    expect(inlined.version).toBe(pkg.version);
  });
});
