#!/usr/bin/env node
// The package graph, held to parts.json and to each package.json (run by `npm run lint`).
// npm workspaces link every package into node_modules, so an import a package.json does not
// declare still resolves, by accident; and eslint sees one file at a time. This reads every
// import of every part (production and test code apart, dynamic imports and `import type`
// included) and reports, one line each:
// - an import of a part its code may not import (arrows, nevers, ./testing, subpaths);
// - a relative import that leaves its package;
// - a test module (vitest, fast-check) in production code, and a main entry that loads src/testing/;
// - a pure part's main entry that loads a node: module or an I/O module, through any chain;
// - a production import from outside the repo that a part's `thirdParty` list does not allow;
// - an import its package.json does not declare (production: dependencies or peerDependencies;
//   src/testing/: also devDependencies; tests, benches: also the root's devDependencies);
// - a declared @fleet dependency nothing imports, or one only tests import;
// - a package.json dependency on a part the package may not import;
// - a part of parts.json without its directory, and a package in no part;
// - an entry file that loads, through any chain of imports, a module its part's `neverLoads` names.
// e2e/ has no package.json: its imports are held to its arrows only.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { loadClosure, loadedModules, matches } from './loads.mjs';
import {
  allowedParts,
  forbiddenMessage,
  isBuiltin,
  kindOf,
  loadParts,
  packageOf,
  partOfPackage,
  partOfPath,
  subpathRefusal,
} from './parts.mjs';

const SKIP = new Set(['node_modules', 'dist', 'coverage', 'test-results', '.cache']);
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** Repo-relative paths of the code files under `dir` (no declaration files, no build output). */
function codeFiles(root, dir) {
  const out = [];
  const walk = (abs) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (CODE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push(relative(root, path).split('\\').join('/'));
      }
    }
  };
  walk(join(root, dir));
  return out.sort();
}

/** Every module specifier a file names: imports, re-exports, `import()`, `require()`. */
function importsOf(text) {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

const names = (o) => Object.keys(o ?? {});

/** All problems of the tree at `root` against `model` (see loadParts), one line each, sorted. */
export function checkGraph(root, model) {
  const problems = new Set();
  const report = (line) => problems.add(line);
  const rootManifest = readJson(join(root, 'package.json'));
  const rootDev = new Set(names(rootManifest.devDependencies));

  const partDirs = new Set(Object.values(model.parts).map((p) => p.dir));
  if (existsSync(join(root, 'packages'))) {
    for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
      const dir = `packages/${entry.name}`;
      if (entry.isDirectory() && existsSync(join(root, dir, 'package.json'))) {
        if (!partDirs.has(dir))
          report(`${dir}: in no part of parts.json (add it, with its arrows)`);
      }
    }
  }

  for (const [part, p] of Object.entries(model.parts)) {
    if (!existsSync(join(root, p.dir))) {
      report(`parts.json: part ${part} has no directory ${p.dir}`);
      continue;
    }
    const manifestPath = join(root, p.dir, 'package.json');
    const manifest = existsSync(manifestPath) ? readJson(manifestPath) : undefined;
    if (manifest !== undefined && p.package !== manifest.name) {
      report(`${p.dir}/package.json: named ${manifest.name}, parts.json says ${p.package}`);
    }
    const deps = new Set(names(manifest?.dependencies));
    const peers = new Set(names(manifest?.peerDependencies));
    const devs = new Set(names(manifest?.devDependencies));
    /** @fleet packages imported, by production(+testing) code and by any code. */
    const usedShipped = new Set();
    const usedAny = new Set();
    const undeclared = new Map();

    for (const file of codeFiles(root, p.dir)) {
      const kind = kindOf(model, part, file);
      const allowed = allowedParts(model, part, kind);
      for (const spec of importsOf(readFileSync(join(root, file), 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(root, dirname(file), spec))
            .split('\\')
            .join('/');
          if (!target.startsWith(`${p.dir}/`)) {
            report(`${file}: imports ${spec}, outside ${p.dir} (import its package instead)`);
          }
          continue;
        }
        if (isBuiltin(spec) || spec.startsWith('@types/')) continue;
        const pkg = packageOf(spec);
        const to = partOfPackage(model, pkg);
        if (to !== undefined) {
          usedAny.add(pkg);
          if (kind === 'production' || kind === 'testing') usedShipped.add(pkg);
          if (!allowed.has(to)) {
            report(`${file}: imports ${spec} — ${forbiddenMessage(model, part, to, kind)}`);
            continue;
          }
          const sub = spec.slice(pkg.length + 1);
          if (kind === 'production' && (sub === 'testing' || sub.startsWith('testing/'))) {
            report(`${file}: imports ${spec} — parts.json: ${model.testingWhy}`);
          }
          const refusal = subpathRefusal(model, part, kind, to, sub);
          if (refusal !== undefined) report(`${file}: imports ${spec} — ${refusal}`);
          if (to === part) continue;
        } else if (kind === 'production' && model.testModules.includes(pkg)) {
          report(`${file}: imports ${spec} — parts.json: ${model.testingWhy}`);
          continue;
        } else if (kind === 'production' && p.thirdParty !== undefined) {
          if (!p.thirdParty.includes(pkg)) {
            const only = p.thirdParty.length === 0 ? 'nothing' : p.thirdParty.join(', ');
            report(
              `${file}: imports ${spec} — parts.json: ${part} imports ${only} from outside the repo`,
            );
          }
        }
        if (manifest === undefined) continue;
        const declared =
          kind === 'production'
            ? deps.has(pkg) || peers.has(pkg)
            : deps.has(pkg) ||
              peers.has(pkg) ||
              devs.has(pkg) ||
              (kind !== 'testing' && rootDev.has(pkg));
        if (!declared) {
          const key = `${pkg}\u0000${kind}`;
          const seen = undeclared.get(key);
          if (seen === undefined) undeclared.set(key, { pkg, kind, first: file, count: 1 });
          else seen.count++;
        }
      }
    }

    for (const { pkg, kind, first, count } of undeclared.values()) {
      const where =
        kind === 'production'
          ? 'dependencies (or peerDependencies)'
          : kind === 'testing'
            ? 'its dependencies, peerDependencies or devDependencies (src/testing/ ships)'
            : 'its dependencies, devDependencies or the root devDependencies';
      const more = count > 1 ? ` (and ${count - 1} more ${kind} files)` : '';
      const file = first.slice(p.dir.length + 1);
      report(`${p.dir}/package.json: ${file}${more} imports ${pkg}, not declared in ${where}`);
    }
    if (manifest === undefined) continue;
    for (const [field, list] of [
      ['dependencies', deps],
      ['peerDependencies', peers],
      ['devDependencies', devs],
    ]) {
      for (const pkg of list) {
        const to = partOfPackage(model, pkg);
        if (to === undefined || to === part) continue;
        const kind = field === 'dependencies' ? 'production' : 'test';
        if (!allowedParts(model, part, kind).has(to)) {
          report(
            `${p.dir}/package.json: ${field} lists ${pkg} — ${forbiddenMessage(model, part, to, kind)}`,
          );
        } else if (!usedAny.has(pkg)) {
          report(`${p.dir}/package.json: ${field} lists ${pkg}, which no file of ${part} imports`);
        } else if (field === 'dependencies' && !usedShipped.has(pkg) && p.tooling !== true) {
          report(
            `${p.dir}/package.json: dependencies lists ${pkg}, which only tests import (move it to devDependencies)`,
          );
        }
      }
    }
  }
  for (const line of loadProblems(root, model)) report(line);
  for (const line of mainEntryProblems(root, model)) report(line);
  return [...problems].sort();
}

/**
 * A main entry (exports["."]) that loads test code (src/testing/ is the ./testing subpath's), and
 * a pure part's main entry that loads a node: module or an I/O module through any chain.
 */
function mainEntryProblems(root, model) {
  const out = [];
  for (const p of Object.values(model.parts)) {
    const manifestPath = join(root, p.dir, 'package.json');
    if (p.tooling === true || !existsSync(manifestPath)) continue;
    const main = readJson(manifestPath).exports?.['.'];
    const source = typeof main === 'string' ? main : main?.source;
    if (typeof source !== 'string') continue;
    const entry = relative(root, join(root, p.dir, source))
      .split('\\')
      .join('/');
    if (!existsSync(join(root, entry))) continue;
    const { files, modules, builtins } = loadClosure(root, model, entry);
    const shown = (path) => path.map((f) => f.replace(/^packages\//, '')).join(' → ');
    const part = partOfPath(model, entry);
    if (p.pure !== undefined) {
      // A node: module is allowed where its importer's part allows it for that very file.
      const allowed = (spec, path) => {
        const importer = path[path.length - 2] ?? '';
        const owner = model.parts[partOfPath(model, importer) ?? ''];
        const rel = importer.slice((owner?.dir.length ?? 0) + 1);
        return (owner?.pure?.allow?.[spec] ?? []).includes(rel);
      };
      for (const [spec, path] of builtins) {
        if (allowed(spec, path)) continue;
        out.push(`${entry}: loads ${spec} (${shown(path)}) — parts.json: ${part} is pure`);
      }
      for (const [mod, path] of modules) {
        if (!model.io.some((m) => matches(m, mod))) continue;
        out.push(`${entry}: loads ${mod} (${shown(path)}) — parts.json: ${part} is pure`);
      }
    }
    for (const [file, path] of files) {
      if (!/\/src\/testing\//.test(file)) continue;
      out.push(`${entry}: loads ${file} (${shown(path)}) — parts.json: ${model.testingWhy}`);
    }
    for (const [mod, path] of modules) {
      if (!model.testModules.includes(mod)) continue;
      out.push(`${entry}: loads ${mod} (${shown(path)}) — parts.json: ${model.testingWhy}`);
    }
  }
  return out;
}

/** Each entry file that loads a module its part must never load, with the chain that does. */
function loadProblems(root, model) {
  const out = [];
  for (const [part, p] of Object.entries(model.parts)) {
    const rule = p.neverLoads;
    if (rule === undefined || !existsSync(join(root, p.dir))) continue;
    for (const from of rule.from) {
      const entry = `${p.dir}/${from}`;
      if (!existsSync(join(root, entry))) {
        out.push(`parts.json: ${part} neverLoads from ${entry}, which does not exist`);
        continue;
      }
      for (const [mod, path] of loadedModules(root, model, entry)) {
        if (!rule.modules.some((m) => matches(m, mod))) continue;
        const shown = path.map((f) => f.replace(/^packages\//, '')).join(' → ');
        out.push(
          `${entry}: loads ${mod} (${shown}) — parts.json: ${part} never loads it: ${rule.why}`,
        );
      }
    }
  }
  return out;
}

/** `node scripts/check-graph.mjs [root]`: the repository this script is in, by default. */
async function main() {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
  let model;
  try {
    model = loadParts(join(root, 'parts.json'));
  } catch (err) {
    console.error(`check-graph: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const problems = checkGraph(root, model);
  for (const line of problems) console.error(line);
  if (problems.length > 0) {
    console.error(`check-graph: ${problems.length} problems (parts.json, package.json files)`);
    process.exit(1);
  }
  console.log('check-graph: every import matches parts.json and its package.json');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
