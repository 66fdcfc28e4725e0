import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleFleet } from './bundle.js';
import { ROOT } from './build.js';
import { stampVersion } from './version-stamp.js';

const FLEETCTL = '`{"name":"@fleet/fleetctl","version":"0.1.0","private":true}`';

describe('stampVersion', () => {
  it("replaces fleetctl's and fleetd's version literals, and nothing else", () => {
    const texts = {
      'main.cjs': `var pkg = ${FLEETCTL};\nvar other = "0.1.0";\n`,
      'fleetd.cjs': 'var x = 1;\nvar VERSION2 = "0.1.0";\nvar dep = { version: "0.1.0" };\n',
    };
    expect(stampVersion(texts, '0.1.0', '0.1.1-test')).toEqual({
      'main.cjs': `var pkg = ${FLEETCTL.replace('0.1.0', '0.1.1-test')};\nvar other = "0.1.0";\n`,
      'fleetd.cjs': 'var x = 1;\nvar VERSION2 = "0.1.1-test";\nvar dep = { version: "0.1.0" };\n',
    });
  });

  it('reads the version as text, not as a pattern', () => {
    const texts = { 'a.cjs': `${FLEETCTL.replace('0.1.0', '0x1y0')}\nvar VERSION = "0x1y0";\n` };
    expect(() => stampVersion(texts, '0.1.0', '9.9.9')).toThrow(
      'package: --version: no version literal of fleetctl, fleetd (version 0.1.0) in the bundles',
    );
  });

  it('refuses bundles where a program has no version literal', () => {
    expect(() => stampVersion({ 'a.cjs': `${FLEETCTL}\n` }, '0.1.0', '0.2.0')).toThrow(
      'no version literal of fleetd (version 0.1.0)',
    );
  });

  it("finds both programs' literals in the real bundles", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-stamp-'));
    try {
      const b = await bundleFleet(ROOT, dir);
      const files = [b.main, b.assets.fleetd, b.assets.fleetctl];
      const texts = Object.fromEntries(files.map((f) => [f, readFileSync(f, 'utf8')]));
      const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      const out = stampVersion(texts, version, '7.7.7-stamp');
      // Minified (packages/fleetd/scripts/bundle.mjs): `var uc="7.7.7-stamp";`.
      expect(out[b.assets.fleetd]).toMatch(/(?:^|[;,{}])var [\w$]+ ?= ?"7\.7\.7-stamp";/m);
      expect(out[b.main]).toContain('"@fleet/fleetctl","version":"7.7.7-stamp"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
