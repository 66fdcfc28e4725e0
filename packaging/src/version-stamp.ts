// A build under another version than package.json's (`npm run package -- --version 0.1.1-test`):
// two builds of one checkout that differ as two releases do, for testing an upgrade from one to
// the other. Each program reports its version from a literal in the bundles (fleetctl: its
// package.json, inlined by bundle.ts; fleetd: the constant of packages/fleetd/src/version.ts);
// each literal is replaced. build.ts then asks the executable for both versions, so a bundle that
// no longer holds a literal in this form fails the build instead of keeping the old version.

/** The literals that hold `version` in the bundles, each program's. */
function literals(version: string): Record<'fleetctl' | 'fleetd', RegExp> {
  const v = version.replaceAll('.', '\\.');
  return {
    fleetctl: new RegExp(`(\\{"name":"@fleet/fleetctl","version":")${v}(")`, 'g'),
    // fleetd's bundle is minified (packages/fleetd/scripts/bundle.mjs): `var uc="0.1.0";`, the
    // only string literal of its version there; unminified, `var VERSION = "0.1.0";`.
    fleetd: new RegExp(`((?:^|[;,{}])var [A-Za-z_$][\\w$]* ?= ?")${v}(";)`, 'gm'),
  };
}

/**
 * The bundles' `texts` (file name to text) with version `from` replaced by `to` in each
 * program's version literal. Throws unless each program's literal was found.
 */
export function stampVersion(
  texts: Readonly<Record<string, string>>,
  from: string,
  to: string,
): Record<string, string> {
  const found = { fleetctl: 0, fleetd: 0 };
  const out: Record<string, string> = {};
  for (const [file, text] of Object.entries(texts)) {
    let t = text;
    for (const [program, re] of Object.entries(literals(from)) as [keyof typeof found, RegExp][]) {
      // fleetd's literal is a plain `var`: looked for in fleetd's bundle only (fleetd.cjs).
      if (program === 'fleetd' && !/(?:^|[\\/])fleetd\.cjs$/.test(file)) continue;
      t = t.replace(re, (_m, head: string, tail: string) => {
        found[program] += 1;
        return `${head}${to}${tail}`;
      });
    }
    out[file] = t;
  }
  const missing = Object.entries(found).filter(([, n]) => n === 0);
  if (missing.length > 0) {
    throw new Error(
      `package: --version: no version literal of ${missing.map(([p]) => p).join(', ')} ` +
        `(version ${from}) in the bundles`,
    );
  }
  return out;
}
