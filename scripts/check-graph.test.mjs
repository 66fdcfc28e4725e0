// check-graph.mjs on small trees written to a temp dir: a tree with one of each problem gets one
// line each, the same tree put right gets none, and the command exits non-zero on the first and
// zero on the second.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGraph } from './check-graph.mjs';
import { checkParts } from './parts.mjs';

// Made when the tests run, not when the file is read (`vitest list` reads it and runs no afterAll).
let tmp;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fleet-graph-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PARTS = {
  io: ['etcd3'],
  testing: { modules: ['vitest'], why: 'production code ships no test code' },
  testTools: ['kit'],
  parts: {
    base: { package: '@fleet/base', dir: 'packages/base', imports: [] },
    store: {
      package: '@fleet/store',
      dir: 'packages/store',
      imports: ['base'],
      subpaths: { etcd: { onlyFrom: ['daemon'], alsoIn: ['integration'], why: 'only the daemon' } },
      neverLoads: { from: ['src/index.ts'], modules: ['etcd3'], why: 'the port loads no etcd' },
    },
    cli: {
      package: '@fleet/cli',
      dir: 'packages/cli',
      imports: ['base'],
      testImports: { parts: ['store'], why: 'tests stand up a store' },
    },
    daemon: { package: '@fleet/daemon', dir: 'packages/daemon', imports: ['base', 'store'] },
    kit: { package: '@fleet/kit', dir: 'packages/kit', tooling: true, imports: [] },
    core: {
      package: '@fleet/core',
      dir: 'packages/core',
      imports: ['base'],
      pure: { allow: { 'node:crypto': ['src/hash.ts'] } },
    },
  },
  nevers: [{ from: 'cli', to: 'store', why: 'the CLI talks to the API only' }],
};

const manifest = (name, fields = {}) => JSON.stringify({ name, ...fields });

/** A tree that holds to PARTS: every import declared, every arrow drawn. */
function cleanTree() {
  return {
    'package.json': JSON.stringify({ devDependencies: { vitest: '4.1.12' } }),
    'packages/base/package.json': manifest('@fleet/base'),
    'packages/base/src/index.ts': 'export const base = 1;\n',
    'packages/store/package.json': manifest('@fleet/store', {
      dependencies: { '@fleet/base': '0.1.0', etcd3: '1.1.2' },
      exports: { '.': { source: './src/index.ts' }, './etcd': { source: './src/etcd.ts' } },
    }),
    'packages/store/src/index.ts':
      "import { base } from '@fleet/base';\nexport type { Etcd } from './etcd.js';\nexport const store = base;\n",
    'packages/store/src/etcd.ts': "import { Etcd3 } from 'etcd3';\nexport const Etcd = Etcd3;\n",
    'packages/cli/package.json': manifest('@fleet/cli', {
      dependencies: { '@fleet/base': '0.1.0' },
      devDependencies: { '@fleet/store': '0.1.0', '@fleet/kit': '0.1.0' },
    }),
    'packages/cli/src/main.ts': "import { base } from '@fleet/base';\nexport const x = base;\n",
    'packages/cli/src/main.test.ts':
      "import { store } from '@fleet/store';\nimport { kit } from '@fleet/kit';\nimport { it } from 'vitest';\nit('x', () => store + kit);\n",
    'packages/cli/src/x.int.test.ts': "export { Etcd } from '@fleet/store/etcd';\n",
    'packages/daemon/package.json': manifest('@fleet/daemon', {
      dependencies: { '@fleet/base': '0.1.0', '@fleet/store': '0.1.0' },
    }),
    'packages/daemon/src/main.ts':
      "import { base } from '@fleet/base';\nimport { Etcd } from '@fleet/store/etcd';\nexport const d = [base, Etcd];\n",
    'packages/core/package.json': manifest('@fleet/core', {
      dependencies: { '@fleet/base': '0.1.0' },
      exports: { '.': { source: './src/index.ts' } },
    }),
    'packages/core/src/index.ts':
      "import { base } from '@fleet/base';\nimport { hash } from './hash.js';\nexport const core = [base, hash];\n",
    'packages/core/src/hash.ts':
      "import { createHash } from 'node:crypto';\nexport const hash = createHash;\n",
    'packages/kit/package.json': manifest('@fleet/kit'),
    'packages/kit/src/index.ts': 'export const kit = 1;\n',
  };
}

function write(name, files) {
  const root = join(tmp, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(join(root, 'parts.json'), JSON.stringify(PARTS));
  return root;
}

const model = checkParts(structuredClone(PARTS));

describe('check-graph', () => {
  it('finds nothing in a tree that holds to parts.json and its package.json files', () => {
    expect(checkGraph(write('clean', cleanTree()), model)).toEqual([]);
  });

  it('reports each problem on one line', () => {
    const tree = cleanTree();
    // An undeclared import: @fleet/base resolves through the workspace link, by accident.
    tree['packages/daemon/package.json'] = manifest('@fleet/daemon', {
      dependencies: { '@fleet/store': '0.1.0' },
    });
    // A forbidden arrow (a never), in production code.
    tree['packages/cli/src/run.ts'] =
      "import { store } from '@fleet/store';\nexport const r = store;\n";
    // A subpath only the daemon and integration tests may import, in a unit test.
    tree['packages/cli/src/etcd.test.ts'] = "import '@fleet/store/etcd';\n";
    // A relative import that leaves its package.
    tree['packages/base/src/peek.ts'] = "export * from '../../store/src/index.js';\n";
    // A declared @fleet dependency nothing imports, and one only tests import.
    tree['packages/base/package.json'] = manifest('@fleet/base', {
      dependencies: { '@fleet/kit': '0.1.0' },
      exports: { '.': { source: './src/index.ts' } },
    });
    tree['packages/kit/src/index.ts'] =
      "import { base } from '@fleet/base';\nexport const kit = base;\n";
    // The main entry loads etcd3 (a value export, where a type export loads nothing).
    tree['packages/store/src/index.ts'] =
      "import { base } from '@fleet/base';\nexport { Etcd } from './etcd.js';\nexport const store = base;\n";
    // Test code in production: a test module, and a main entry that loads src/testing/.
    tree['packages/base/src/index.ts'] =
      "import 'node:os';\nexport const base = 1;\nexport { fake } from './testing/fake.js';\n";
    tree['packages/base/src/testing/fake.ts'] = 'export const fake = 2;\n';
    tree['packages/base/src/check.ts'] =
      "import { expect } from 'vitest';\nexport const e = expect;\n";
    // A package in no part.
    tree['packages/stray/package.json'] = manifest('@fleet/stray');
    expect(checkGraph(write('broken', tree), model)).toEqual([
      'packages/base/package.json: dependencies lists @fleet/kit — parts.json: production code ships no test code',
      'packages/base/src/check.ts: imports vitest — parts.json: production code ships no test code',
      'packages/base/src/index.ts: loads packages/base/src/testing/fake.ts (base/src/index.ts → base/src/testing/fake.ts) — parts.json: production code ships no test code',
      'packages/base/src/peek.ts: imports ../../store/src/index.js, outside packages/base (import its package instead)',
      'packages/cli/src/etcd.test.ts: imports @fleet/store/etcd — parts.json: @fleet/store/etcd is for daemon, *.int.test.ts only — only the daemon',
      'packages/cli/src/run.ts: imports @fleet/store — parts.json: cli never imports store — the CLI talks to the API only',
      'packages/core/src/index.ts: loads node:os (core/src/index.ts → base/src/index.ts → node:os) — parts.json: core is pure',
      'packages/core/src/index.ts: loads packages/base/src/testing/fake.ts (core/src/index.ts → base/src/index.ts → base/src/testing/fake.ts) — parts.json: production code ships no test code',
      'packages/daemon/package.json: src/main.ts imports @fleet/base, not declared in dependencies (or peerDependencies)',
      'packages/kit/src/index.ts: imports @fleet/base — parts.json: tests of kit may import only kit — no arrow kit → base',
      'packages/store/src/index.ts: loads etcd3 (store/src/index.ts → store/src/etcd.ts → etcd3) — parts.json: store never loads it: the port loads no etcd',
      'packages/store/src/index.ts: loads packages/base/src/testing/fake.ts (store/src/index.ts → base/src/index.ts → base/src/testing/fake.ts) — parts.json: production code ships no test code',
      'packages/stray: in no part of parts.json (add it, with its arrows)',
    ]);
  });

  it('reports a dependency only tests use, and one nothing uses', () => {
    const tree = cleanTree();
    tree['packages/cli/package.json'] = manifest('@fleet/cli', {
      dependencies: { '@fleet/base': '0.1.0', '@fleet/store': '0.1.0' },
      devDependencies: { '@fleet/kit': '0.1.0' },
    });
    tree['packages/daemon/package.json'] = manifest('@fleet/daemon', {
      dependencies: { '@fleet/base': '0.1.0', '@fleet/store': '0.1.0' },
      devDependencies: { '@fleet/kit': '0.1.0' },
    });
    expect(checkGraph(write('unused', tree), model)).toEqual([
      'packages/cli/package.json: dependencies lists @fleet/store — parts.json: cli never imports store — the CLI talks to the API only',
      'packages/daemon/package.json: devDependencies lists @fleet/kit, which no file of daemon imports',
    ]);
  });

  it('exits non-zero with one line per problem, and zero on a clean tree', () => {
    const script = join(import.meta.dirname, 'check-graph.mjs');
    const run = (root) => spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
    const tree = cleanTree();
    tree['packages/cli/src/run.ts'] =
      "import { store } from '@fleet/store';\nexport const r = store;\n";
    const bad = run(write('cli-bad', tree));
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'packages/cli/src/run.ts: imports @fleet/store — parts.json: cli never imports store — the CLI talks to the API only',
      'check-graph: 1 problems (parts.json, package.json files)',
    ]);
    const good = run(write('cli-good', cleanTree()));
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
  }, 60_000);
});
