// parts.json, read and checked once: the parts, their arrows and nevers, and what kind of code a
// file is. Shared by the lint rules (parts-rules.mjs) and the graph check (check-graph.mjs), so
// both read the same description the same way.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';

/** A mistake in parts.json itself: the lint cannot start on a description it cannot read. */
export class PartsError extends Error {
  code = 'PARTS_INVALID';
}

/** Reads and checks parts.json; throws PartsError naming the first problem. */
export function loadParts(file) {
  let raw;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PartsError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return checkParts(raw, file);
}

/** Checks a parsed description: every name it uses is a part, no never is also an arrow. */
export function checkParts(raw, file = 'parts.json') {
  const fail = (what) => {
    throw new PartsError(`${file}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || typeof raw.parts !== 'object') {
    fail('has no "parts" object');
  }
  const names = new Set(Object.keys(raw.parts));
  const known = (name, where) => {
    if (!names.has(name)) fail(`${where} names "${name}", which is not a part`);
  };
  for (const [name, part] of Object.entries(raw.parts)) {
    if (typeof part.dir !== 'string') fail(`part "${name}" has no "dir"`);
    if (!Array.isArray(part.imports)) fail(`part "${name}" has no "imports" list`);
    for (const to of part.imports) known(to, `part "${name}" imports`);
    for (const to of part.testImports?.parts ?? []) known(to, `part "${name}" testImports`);
    for (const sub of Object.values(part.subpaths ?? {})) {
      for (const from of sub.onlyFrom ?? []) known(from, `part "${name}" subpaths`);
    }
  }
  const nevers = raw.nevers ?? [];
  for (const tool of raw.testTools ?? []) known(tool, 'testTools');
  for (const { from, to, why } of nevers) {
    known(from, 'a never');
    known(to, 'a never');
    if (typeof why !== 'string' || why === '') fail(`the never ${from} -> ${to} has no "why"`);
    if (raw.parts[from].imports.includes(to)) fail(`${from} -> ${to} is both an arrow and a never`);
  }
  return {
    raw,
    parts: raw.parts,
    nevers,
    io: raw.io ?? [],
    testTools: raw.testTools ?? [],
    testingWhy: raw.testing?.why ?? 'production code ships no test code',
    testModules: raw.testing?.modules ?? [],
    maxLines: raw.maxLines ?? {},
  };
}

/** Node's built-in modules, each as `node:x` and, where Node accepts it, the bare `x`. */
export function nodeBuiltins() {
  const bare = builtinModules.filter((m) => !m.startsWith('_') && !m.startsWith('node:'));
  const prefixed = new Set(bare.map((m) => `node:${m}`));
  for (const m of ['node:test', 'node:sqlite', 'node:sea', 'node:test/reporters']) prefixed.add(m);
  return { bare, prefixed: [...prefixed] };
}

/** True for `fs`, `node:fs`, `fs/promises`, `node:test`. */
export function isBuiltin(specifier) {
  if (specifier.startsWith('node:')) return true;
  return builtinModules.includes(specifier);
}

/** The package a bare specifier names: `@fleet/registry/etcd` -> `@fleet/registry`. */
export function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** The part whose package is `pkg`, or undefined. */
export function partOfPackage(model, pkg) {
  return Object.keys(model.parts).find((name) => model.parts[name].package === pkg);
}

/** The part a repo-relative path belongs to, or undefined. */
export function partOfPath(model, path) {
  return Object.keys(model.parts).find((name) => path.startsWith(`${model.parts[name].dir}/`));
}

/**
 * What kind of code a repo-relative file is, for the rules:
 * - `production`: under the part's src/, not a test and not src/testing/ (tooling parts have none);
 * - `testing`: src/testing/, shipped as the ./testing subpath (declares its own dependencies);
 * - `integration`: *.int.test.ts;
 * - `test`: the other *.test.ts;
 * - `bench`: every other file outside src/ (bench/, fuzz/: scripts run by hand).
 * A tooling part's src/ is all test code that ships to other tests: `testing`.
 */
export function kindOf(model, part, path) {
  const rel = path.slice(model.parts[part].dir.length + 1);
  if (/\.int\.test\.[cm]?[jt]s$/.test(rel)) return 'integration';
  if (/\.test\.[cm]?[jt]s$/.test(rel)) return 'test';
  if (!rel.startsWith('src/')) return 'bench';
  if (model.parts[part].tooling === true) return 'testing';
  if (rel.startsWith('src/testing/')) return 'testing';
  return 'production';
}

/** The parts `part`'s code of `kind` may import by package name (its own included). */
export function allowedParts(model, part, kind) {
  const p = model.parts[part];
  const allowed = new Set([part, ...p.imports]);
  if (kind !== 'production') {
    for (const q of p.testImports?.parts ?? []) allowed.add(q);
    for (const tool of model.testTools) allowed.add(tool);
  }
  return allowed;
}

/** The message for an import of part `to` that `from`'s code of `kind` may not make. */
export function forbiddenMessage(model, from, to, kind) {
  if (kind === 'production' && model.parts[to]?.tooling === true) {
    return `parts.json: ${model.testingWhy}`;
  }
  const never = model.nevers.find((n) => n.from === from && n.to === to);
  if (never !== undefined) return `parts.json: ${from} never imports ${to} — ${never.why}`;
  const p = model.parts[from];
  const list = p.imports.length === 0 ? 'no part' : `only ${p.imports.join(', ')}`;
  if (kind === 'production') {
    return `parts.json: ${from} may import ${list} — no arrow ${from} → ${to}`;
  }
  const extra = p.testImports?.parts ?? [];
  const tests = [...new Set([...p.imports, ...extra, ...model.testTools])].join(', ');
  return `parts.json: tests of ${from} may import only ${tests} — no arrow ${from} → ${to}`;
}

/** Why `from`'s code of `kind` may not import `${pkg}/${sub}`, or undefined if it may. */
export function subpathRefusal(model, from, kind, to, sub) {
  const rule = model.parts[to]?.subpaths?.[sub];
  if (rule === undefined || from === to) return undefined;
  if ((rule.onlyFrom ?? []).includes(from)) return undefined;
  if ((rule.alsoIn ?? []).includes(kind)) return undefined;
  const files = {
    integration: '*.int.test.ts',
    bench: 'benches',
    test: 'tests',
    testing: 'src/testing/',
  };
  const who = [...(rule.onlyFrom ?? []), ...(rule.alsoIn ?? []).map((k) => files[k] ?? k)];
  return `parts.json: ${model.parts[to].package}/${sub} is for ${who.join(', ')} only — ${rule.why}`;
}
