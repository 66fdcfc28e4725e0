// npm run chaos:sim -- --schedules N --seed S: a long run of the simulation tier. Prints
// schedules per second, faults applied by kind and every violation with its replay command.
import { parseArgs } from 'node:util';
import { describeRun, runSeed } from './run.js';

function usage(message: string): never {
  console.error(
    `chaos:sim: ${message} (usage: npm run chaos:sim -- --schedules N --seed S [--trace] [--strict])`,
  );
  process.exit(2);
}

function count(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) usage(`--${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        schedules: { type: 'string' },
        seed: { type: 'string' },
        trace: { type: 'boolean' },
        strict: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }
  const schedules = count(values.schedules, 'schedules', 1_000);
  const base = count(values.seed, 'seed', Date.now() % 1_000_000_000);
  const faults = new Map<string, number>();
  let failed = 0;
  const started = performance.now();
  for (let i = 0; i < schedules; i++) {
    const r = await runSeed(base + i, values.trace === true ? (l) => console.log(l) : undefined, {
      strict: values.strict === true,
    });
    for (const [k, n] of Object.entries(r.applied)) faults.set(k, (faults.get(k) ?? 0) + n);
    if (r.violations.length > 0) {
      failed++;
      console.log(describeRun(r));
    }
    if ((i + 1) % 50 === 0) {
      const s = (performance.now() - started) / 1000;
      console.log(`… ${i + 1} schedules, ${((i + 1) / s).toFixed(1)}/s, ${failed} failing`);
    }
  }
  const s = (performance.now() - started) / 1000;
  console.log(
    `${schedules} schedules from seed ${base} in ${s.toFixed(1)} s (${(schedules / s).toFixed(1)} schedules/s); ${failed} with violations`,
  );
  console.log('faults applied by kind:');
  for (const [k, n] of [...faults].sort()) console.log(`  ${k.padEnd(22)} ${n}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
