// The import rules generated from parts.json, run by eslint on in-memory files placed inside the
// parts (lintText with a filePath): each forbidden import fails with a message naming the rule and
// the part, the allowed ones pass. The first suite lints with the repository's own
// eslint.config.js, so what it shows is what `npm run lint` does; the second builds the rules
// from a copy of parts.json with one entry taken out, to show that each failure comes from that
// entry. Type-aware rules are turned off (in-memory files are in no tsconfig); the rules here are
// not type-aware.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { checkParts, loadParts, PartsError } from './parts.mjs';
import { partsConfig } from './parts-rules.mjs';

const root = join(import.meta.dirname, '..');
const parts = loadParts(join(root, 'parts.json'));
const untyped = { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked };

/** eslint with the repository's config (what `npm run lint` runs). */
const repoLint = new ESLint({ cwd: root, overrideConfig: [untyped] });

/** eslint with only the rules generated from `model`. */
function lintFrom(model) {
  return new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ ...tseslint.configs.base, files: ['**/*.ts'] }, ...partsConfig(model)],
  });
}

/** `rule: message` of each problem eslint finds in `code` placed at `filePath`. */
async function problems(code, filePath, eslint = repoLint) {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

/** parts.json with `change` applied to a deep copy. */
function without(change) {
  const raw = structuredClone(parts.raw);
  change(raw);
  return checkParts(raw);
}

const use = (spec) => `import { x } from '${spec}';\nexport const y = x;\n`;

describe('parts.json rules, as npm run lint runs them', () => {
  it('refuses node:fs in the scheduler, naming the rule and the part', async () => {
    const found = await problems(use('node:fs'), 'packages/scheduler/src/fixture.ts');
    expect(found).toEqual([
      "no-restricted-imports: 'node:fs' import is restricted from being used. parts.json: scheduler is pure — no node:fs (planners take a snapshot and return tasks: no I/O, no clock, no log)",
    ]);
  });

  it('refuses node: modules by their bare name, I/O modules, and import() too', async () => {
    const file = 'packages/scheduler/src/fixture.ts';
    expect(await problems(use('fs'), file)).toEqual([
      expect.stringContaining('parts.json: scheduler is pure — no fs'),
    ]);
    expect(await problems(use('etcd3'), file)).toEqual([
      expect.stringContaining('parts.json: scheduler is pure — no etcd3 (I/O)'),
    ]);
    expect(await problems(use('@grpc/grpc-js'), 'packages/unit/src/fixture.ts')).toEqual([
      expect.stringContaining('parts.json: unit is pure — no @grpc/* (I/O)'),
    ]);
    const dynamic = "export const fs = await import('node:fs');\n";
    expect(await problems(dynamic, file)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: parts.json: scheduler is pure — no node:fs/),
    ]);
  });

  it('allows node:crypto in unit/src/hash.ts only', async () => {
    expect(await problems(use('node:crypto'), 'packages/unit/src/hash.ts')).toEqual([]);
    expect(await problems(use('node:crypto'), 'packages/unit/src/name.ts')).toEqual([
      expect.stringContaining('parts.json: unit is pure — no node:crypto'),
    ]);
  });

  it('refuses the registry and the API in fleetctl production code', async () => {
    const file = 'packages/fleetctl/src/commands/fixture.ts';
    expect(await problems(use('@fleet/registry'), file)).toEqual([
      "no-restricted-imports: '@fleet/registry' import is restricted from being used by a pattern. parts.json: fleetctl never imports registry — fleetctl reaches the cluster only through the client and the API",
    ]);
    expect(await problems(use('@fleet/api'), file)).toEqual([
      expect.stringContaining('parts.json: fleetctl never imports api'),
    ]);
    expect(await problems(use('@fleet/client'), file)).toEqual([]);
  });

  it("allows them in fleetctl's tests and its src/testing/ harness", async () => {
    for (const file of [
      'packages/fleetctl/src/commands/fixture.test.ts',
      'packages/fleetctl/src/cli/fixture.int.test.ts',
      'packages/fleetctl/src/testing/fixture.ts',
    ]) {
      expect(await problems(use('@fleet/registry'), file)).toEqual([]);
      expect(await problems(use('@fleet/api'), file)).toEqual([]);
    }
  });

  it('refuses @fleet/registry/etcd outside fleetd, sim, e2e, integration tests, benches and src/testing/', async () => {
    expect(await problems(use('@fleet/registry/etcd'), 'packages/api/src/fixture.ts')).toEqual([
      expect.stringContaining(
        'parts.json: @fleet/registry/etcd is for fleetd, sim, e2e, *.int.test.ts, benches, src/testing/ only',
      ),
    ]);
    expect(await problems(use('@fleet/registry/etcd'), 'packages/api/src/x.test.ts')).toHaveLength(
      1,
    );
    expect(await problems(use('@fleet/registry'), 'packages/api/src/fixture.ts')).toEqual([]);
    for (const file of [
      'packages/fleetd/src/fixture.ts',
      'packages/sim/src/fixture.ts',
      'e2e/src/fixture.ts',
      'packages/api/src/fixture.int.test.ts',
      'packages/api/bench/fixture.ts',
      'packages/engine/src/testing/engine-proc.ts',
    ]) {
      expect(await problems(use('@fleet/registry/etcd'), file)).toEqual([]);
    }
  });

  it('refuses test code in production files, and allows it in tests', async () => {
    const file = 'packages/engine/src/fixture.ts';
    expect(await problems(use('@fleet/registry/testing'), file)).toEqual([
      expect.stringContaining('parts.json: production code ships no test code'),
    ]);
    expect(await problems(use('@fleet/testkit'), file)).toEqual([
      expect.stringContaining('parts.json: production code ships no test code'),
    ]);
    expect(await problems(use('vitest'), file)).toEqual([
      expect.stringContaining('parts.json: production code ships no test code'),
    ]);
    expect(await problems(use('fast-check'), 'packages/fleetd/src/fixture.ts')).toEqual([
      expect.stringContaining('parts.json: production code ships no test code'),
    ]);
    for (const test of [
      'packages/engine/src/fixture.test.ts',
      'packages/engine/src/testing/x.ts',
    ]) {
      expect(await problems(use('vitest'), test)).toEqual([]);
      expect(await problems(use('@fleet/registry/testing'), test)).toEqual([]);
      expect(await problems(use('@fleet/testkit'), test)).toEqual([]);
    }
  });

  it('refuses an arrow parts.json does not draw, and says which arrows there are', async () => {
    expect(await problems(use('@fleet/api'), 'packages/engine/src/fixture.ts')).toEqual([
      expect.stringContaining(
        'parts.json: engine may import only scheduler, registry, unit, runtime — no arrow engine → api',
      ),
    ]);
    expect(await problems(use('@fleet/systemd'), 'packages/engine/src/fixture.ts')).toEqual([
      expect.stringContaining(
        'parts.json: engine never imports systemd — the engine never touches',
      ),
    ]);
  });

  it('passes a clean file', async () => {
    const clean =
      "import { fleetRequirements } from '@fleet/unit';\nexport const f = fleetRequirements;\n";
    expect(await problems(clean, 'packages/scheduler/src/fixture.ts')).toEqual([]);
  });

  it('limits production files to 300 lines, blank lines and comments counted', async () => {
    const lines = (n) => `${'// a line\n'.repeat(n - 1)}export const x = 1;\n`;
    const file = 'packages/scheduler/src/fixture.ts';
    expect(await problems(lines(300), file)).toEqual([]);
    expect(await problems(lines(301), file)).toEqual([
      'max-lines: File has too many lines (301). Maximum allowed is 300.',
    ]);
    expect(await problems(lines(301), 'packages/scheduler/src/fixture.test.ts')).toEqual([]);
    expect(await problems(lines(301), 'packages/scheduler/src/testing/fixture.ts')).toEqual([]);
    expect(await problems(lines(401), 'packages/scheduler/bench/fixture.ts')).toEqual([]);
    expect(await problems(lines(400), 'packages/testkit/src/fixture.ts')).toEqual([]);
    expect(await problems(lines(401), 'packages/testkit/src/fixture.ts')).toEqual([
      'max-lines: File has too many lines (401). Maximum allowed is 400.',
    ]);
  });

  it('keeps the ban on focused and skipped tests in every part', async () => {
    const focused = "import { it } from 'vitest';\nit.only('x', () => {});\n";
    expect(await problems(focused, 'packages/scheduler/src/fixture.test.ts')).toEqual([
      expect.stringContaining('no .only, .skip, .todo'),
    ]);
  });
});

describe('each failure comes from its entry in parts.json', () => {
  it('node:fs passes in the scheduler once it is no longer pure', async () => {
    const file = 'packages/scheduler/src/fixture.ts';
    expect(await problems(use('node:fs'), file, lintFrom(parts))).toHaveLength(1);
    const impure = without((raw) => delete raw.parts.scheduler.pure);
    expect(await problems(use('node:fs'), file, lintFrom(impure))).toEqual([]);
  });

  it('fleetctl may import the registry once an arrow is drawn (and the never dropped)', async () => {
    const file = 'packages/fleetctl/src/fixture.ts';
    expect(await problems(use('@fleet/registry'), file, lintFrom(parts))).toHaveLength(1);
    const drawn = without((raw) => {
      raw.parts.fleetctl.imports.push('registry');
      raw.nevers = raw.nevers.filter((n) => !(n.from === 'fleetctl' && n.to === 'registry'));
    });
    expect(await problems(use('@fleet/registry'), file, lintFrom(drawn))).toEqual([]);
  });

  it("fleetctl's tests lose the registry without the written exception", async () => {
    const file = 'packages/fleetctl/src/fixture.test.ts';
    expect(await problems(use('@fleet/registry'), file, lintFrom(parts))).toEqual([]);
    const strict = without((raw) => delete raw.parts.fleetctl.testImports);
    expect(await problems(use('@fleet/registry'), file, lintFrom(strict))).toEqual([
      expect.stringContaining('parts.json: fleetctl never imports registry'),
    ]);
  });

  it('the API may import @fleet/registry/etcd once the subpath is open to all', async () => {
    const file = 'packages/api/src/fixture.ts';
    expect(await problems(use('@fleet/registry/etcd'), file, lintFrom(parts))).toHaveLength(1);
    const open = without((raw) => delete raw.parts.registry.subpaths);
    expect(await problems(use('@fleet/registry/etcd'), file, lintFrom(open))).toEqual([]);
  });
});

describe('parts.json itself', () => {
  it('refuses a never that is also an arrow, and a name that is no part', () => {
    const both = structuredClone(parts.raw);
    both.parts.fleetctl.imports.push('registry');
    expect(() => checkParts(both)).toThrow(
      new PartsError('parts.json: fleetctl -> registry is both an arrow and a never'),
    );
    const typo = structuredClone(parts.raw);
    typo.parts.engine.imports.push('schedular');
    expect(() => checkParts(typo)).toThrow(
      new PartsError('parts.json: part "engine" imports names "schedular", which is not a part'),
    );
  });
});
