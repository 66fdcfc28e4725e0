// Help text filled to the width (80 when stdout is not a terminal): paragraphs joined and filled,
// field lists broken only between fields and never inside their default.
import { describe, expect, it } from 'vitest';
import { Harness } from '../testing/harness.js';
import { wrapHelp } from './wrap.js';

describe('wrapHelp', () => {
  it('joins hand-broken lines of a paragraph and fills them to the width', () => {
    expect(wrapHelp('one two\nthree four five six\n\nseven eight', 14)).toBe(
      'one two three\nfour five six\n\nseven eight',
    );
  });

  it('keeps indented and bulleted lines as lines (their indent goes: yargs trims it)', () => {
    expect(wrapHelp('Steps:\n- one\n  two', 80)).toBe('Steps:\n- one\ntwo');
  });

  it('gives a field list lines of its own and never cuts its default', () => {
    const text =
      'One row per unit. Fields: active, hash, load, machine, sub, unit\n' +
      '(default unit,machine,active,sub). More text.';
    expect(wrapHelp(text, 60)).toBe(
      'One row per unit.\n' +
        'Fields: active, hash, load, machine, sub, unit\n' +
        '(default unit,machine,active,sub).\n' +
        'More text.',
    );
    expect(wrapHelp(text, 100).split('\n')[1]).toBe(
      'Fields: active, hash, load, machine, sub, unit (default unit,machine,active,sub).',
    );
  });
});

describe('help at 80 columns (stdout not a terminal)', () => {
  /** The lines of a command's help between its summary and "Options:". */
  async function description(command: string): Promise<string[]> {
    const h = await Harness.start();
    try {
      const r = await h.fleetctl(['help', command], { endpoint: false });
      const lines = r.stdout.split('\n');
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
      // usage, blank, summary, blank, description, blank, Options:
      const blanks = lines.flatMap((l, i) => (l === '' ? [i] : []));
      return lines.slice((blanks[1] ?? 0) + 1, lines.indexOf('Options:') - 1);
    } finally {
      await h.close();
    }
  }

  it('list-units: the field list whole, its default on the next line', async () => {
    expect(await description('list-units')).toEqual([
      'One row per unit and machine, from the states machines publish.',
      'Fields: active, hash, health, load, machine, reason, sub, unit',
      '(default unit,machine,active,sub).',
      'A unit that should run and is on no machine has a row with machine "-" and',
      '"reason", why no machine can take it; the default fields then add "reason".',
    ]);
  });

  it('start: each line filled (the next word would not have fit)', async () => {
    const lines = await description('start');
    expect(lines.length).toBeGreaterThan(2);
    for (const [i, line] of lines.slice(0, -1).entries()) {
      const next = (lines[i + 1] ?? '').split(' ')[0] ?? '';
      expect(line.length + 1 + next.length, line).toBeGreaterThan(80);
    }
  });
});
