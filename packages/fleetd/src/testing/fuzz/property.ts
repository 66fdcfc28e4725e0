// The pipeline property as a fast-check property, shared by the CI test and `npm run fuzz`.
import fc from 'fast-check';
import { caseArb, type GeneratorOptions } from './generators.js';
import { runCase, type CaseStats, type RunOptions } from './pipeline.js';

/** Whatever the API accepts converges and stays put; whatever it refuses is one line and writes nothing. */
export function pipelineProperty(
  gen: GeneratorOptions,
  run: RunOptions = {},
  onCase?: (stats: CaseStats) => void,
) {
  return fc.asyncProperty(caseArb(gen), async (spec) => {
    const stats = await runCase(spec, run);
    onCase?.(stats);
  });
}
