// parts.json -> eslint flat-config objects: for every part, the imports its production code, its
// tests and its integration tests may not make (no-restricted-imports, and no-restricted-syntax
// for `import()`), and the line limit of its files (max-lines). eslint.config.js calls this when it
// loads, so parts.json is the single source of the rules.
//
// A file gets one set of each rule (eslint replaces a rule's options, it does not merge them), so
// every object below carries the whole list for its files, and the later, narrower objects
// (production over the part's test files, integration tests, files with an `allow`) repeat it.
import { allowedParts, forbiddenMessage, nodeBuiltins, subpathRefusal } from './parts.mjs';

const CODE = '**/*.{ts,mts,cts,js,mjs,cjs}';
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The restrictions for `part`'s code of `kind`: `{ name, message }` (that exact specifier) or
 * `{ regex, message }`. `file` (relative to the part's dir) picks up a pure part's `allow`.
 */
export function restrictions(model, part, kind, file) {
  const out = [];
  const allowed = allowedParts(model, part, kind);
  for (const [to, q] of Object.entries(model.parts)) {
    if (typeof q.package !== 'string') continue;
    if (!allowed.has(to)) {
      const message = forbiddenMessage(model, part, to, kind);
      out.push({ regex: `^${escape(q.package)}(/.*)?$`, message });
      continue;
    }
    for (const sub of Object.keys(q.subpaths ?? {})) {
      const message = subpathRefusal(model, part, kind, to, sub);
      if (message !== undefined) out.push({ name: `${q.package}/${sub}`, message });
    }
  }
  if (kind === 'production') {
    out.push({ regex: '^@fleet/[^/]+/testing(/.*)?$', message: `parts.json: ${model.testingWhy}` });
    for (const m of model.testModules) {
      out.push({ regex: `^${escape(m)}(/.*)?$`, message: `parts.json: ${model.testingWhy}` });
    }
    out.push(...purity(model, part, file));
  }
  return out;
}

/** A pure part's production code: no node: built-in (unless allowed for `file`), no I/O module. */
function purity(model, part, file) {
  const pure = model.parts[part].pure;
  if (pure === undefined) return [];
  const why = pure.why === undefined ? '' : ` (${pure.why})`;
  const allow = pure.allow ?? {};
  const allowedHere = (m) => file !== undefined && (allow[m] ?? []).includes(file);
  const { bare, prefixed } = nodeBuiltins();
  const out = [];
  for (const m of [...prefixed, ...bare]) {
    if (allowedHere(m)) continue;
    out.push({ name: m, message: `parts.json: ${part} is pure — no ${m}${why}` });
  }
  for (const m of model.io) {
    const regex = m.endsWith('/*') ? `^${escape(m.slice(0, -1))}` : `^${escape(m)}(/.*)?$`;
    out.push({ regex, message: `parts.json: ${part} is pure — no ${m} (I/O)${why}` });
  }
  return out;
}

/** One `no-restricted-imports` and one `no-restricted-syntax` (for `import()`) rule value. */
export function rulesFor(list, extraSyntax) {
  const paths = list.filter((r) => r.name !== undefined);
  const patterns = list.filter((r) => r.regex !== undefined);
  // esquery regexes end at the first '/': spell it \x2F inside them.
  const dynamic = list.map((r) => ({
    selector:
      r.name !== undefined
        ? `ImportExpression[source.value=${JSON.stringify(r.name)}]`
        : `ImportExpression[source.value=/${r.regex.replaceAll('/', '\\x2F')}/]`,
    message: r.message,
  }));
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: paths.map(({ name, message }) => ({ name, message })),
        patterns: patterns.map(({ regex, message }) => ({ regex, message })),
      },
    ],
    'no-restricted-syntax': ['error', ...extraSyntax, ...dynamic],
  };
}

/**
 * The flat-config objects for every part. `extraSyntax`: no-restricted-syntax entries that every
 * file keeps (eslint.config.js's ban on focused and skipped tests).
 */
export function partsConfig(model, { extraSyntax = [] } = {}) {
  const configs = [];
  for (const [part, p] of Object.entries(model.parts)) {
    const d = p.dir;
    const block = (name, files, kind, extra = {}, file = undefined) => ({
      name: `parts.json: ${part} ${name}`,
      files,
      ...extra,
      rules: rulesFor(restrictions(model, part, kind, file), extraSyntax),
    });
    configs.push(block('tests', [`${d}/${CODE}`], 'test'));
    configs.push(block('benches', [`${d}/${CODE}`], 'bench', { ignores: [`${d}/src/**`] }));
    if (p.tooling !== true) {
      const ignores = [`${d}/src/**/*.test.*`, `${d}/src/testing/**`];
      configs.push(block('production', [`${d}/src/${CODE}`], 'production', { ignores }));
      configs.push(block('testing', [`${d}/src/testing/${CODE}`], 'testing'));
    }
    configs.push(block('integration tests', [`${d}/**/*.int.test.*`], 'integration'));
    const files = new Set(Object.values(p.pure?.allow ?? {}).flat());
    for (const file of files) {
      configs.push(block(`${file}`, [`${d}/${file}`], 'production', {}, file));
    }
  }
  configs.push(...lineLimits(model));
  return configs;
}

/** max-lines: every line counts (as `wc -l` does), blank lines and comments included. */
function lineLimits(model) {
  const { production, tooling } = model.maxLines;
  const out = [];
  const limit = (max) => ['error', { max, skipBlankLines: false, skipComments: false }];
  for (const [part, p] of Object.entries(model.parts)) {
    if (p.tooling === true && tooling !== undefined) {
      out.push({
        name: `parts.json: ${part} line limit`,
        files: [`${p.dir}/src/${CODE}`],
        ignores: ['**/*.test.*'],
        rules: { 'max-lines': limit(tooling) },
      });
    } else if (p.tooling !== true && production !== undefined) {
      out.push({
        name: `parts.json: ${part} line limit`,
        files: [`${p.dir}/src/${CODE}`],
        ignores: ['**/*.test.*', `${p.dir}/src/testing/**`],
        rules: { 'max-lines': limit(production) },
      });
    }
  }
  return out;
}
