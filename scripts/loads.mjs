// What an entry point loads at run time: the closure of its imports through relative files and
// @fleet packages (each package's `source` export), `import()` included, `import type` and
// `export type` left out (they are erased). check-graph.mjs holds it to each part's `neverLoads`,
// so "fleetctl loads no etcd" and "the registry's main entry loads no etcd3" are checked on the
// source, not hoped for.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { isBuiltin, packageOf, partOfPackage } from './parts.mjs';

/** The specifiers a file loads when it runs. */
export function runtimeImports(text) {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, false);
  const out = [];
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (node.importClause?.isTypeOnly !== true) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      if (!node.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
        out.push(node.moduleSpecifier.text);
      }
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The source file a relative specifier names (`./x.js` is `./x.ts` in the source tree). */
function resolveRelative(root, from, spec) {
  const base = resolve(root, dirname(from), spec);
  const tries = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`];
  tries.push(join(base, 'index.ts'));
  const hit = tries.find((t) => existsSync(t) && !t.endsWith('/'));
  return hit === undefined ? undefined : relative(root, hit).split('\\').join('/');
}

/** The source file of `@fleet/p[/sub]` by its package.json `exports[...].source`. */
function resolvePackage(root, model, spec) {
  const pkg = packageOf(spec);
  const part = partOfPackage(model, pkg);
  if (part === undefined) return undefined;
  const manifest = join(root, model.parts[part].dir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  const exports = JSON.parse(readFileSync(manifest, 'utf8')).exports ?? {};
  const sub = spec === pkg ? '.' : `./${spec.slice(pkg.length + 1)}`;
  const entry = exports[sub];
  const target = typeof entry === 'string' ? entry : entry?.source;
  if (typeof target !== 'string') return undefined;
  return relative(root, join(root, model.parts[part].dir, target))
    .split('\\')
    .join('/');
}

/**
 * What loading `entry` loads: `modules`, every outside module (`etcd3`, `@grpc/grpc-js`),
 * `builtins`, every node: module, and `files`, every source file of the repo, each with the chain
 * of files that reaches it first (breadth first, so the chain is a shortest one).
 */
export function loadClosure(root, model, entry) {
  const via = new Map([[entry, undefined]]);
  const modules = new Map();
  const builtins = new Map();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift();
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    for (const spec of runtimeImports(text)) {
      if (isBuiltin(spec)) {
        if (!builtins.has(spec)) builtins.set(spec, [...chain(via, file), spec]);
        continue;
      }
      let next;
      if (spec.startsWith('.')) next = resolveRelative(root, file, spec);
      else if (spec.startsWith('@fleet/')) next = resolvePackage(root, model, spec);
      else {
        const mod = packageOf(spec);
        if (!modules.has(mod)) modules.set(mod, [...chain(via, file), spec]);
        continue;
      }
      if (next !== undefined && !via.has(next)) {
        via.set(next, { from: file, spec });
        queue.push(next);
      }
    }
  }
  const files = new Map([...via.keys()].map((file) => [file, chain(via, file)]));
  return { modules, builtins, files };
}

/** The outside modules loading `entry` loads, each with its chain (see loadClosure). */
export function loadedModules(root, model, entry) {
  return loadClosure(root, model, entry).modules;
}

/** The files from the entry to `file`, each followed by what it imports next. */
function chain(via, file) {
  const out = [];
  for (let at = file; at !== undefined;) {
    out.unshift(at);
    const step = via.get(at);
    at = step?.from;
  }
  return out;
}

/** True when `mod` is named by `pattern` (`etcd3`, or a scope: `@grpc/*`). */
export function matches(pattern, mod) {
  return pattern.endsWith('/*') ? mod.startsWith(pattern.slice(0, -1)) : mod === pattern;
}
