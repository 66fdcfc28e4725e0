// A plan for people: colours only when asked (stdout is a terminal), the cluster's text escaped.
import type { Plan } from '@fleet/client';
import { describe, expect, it } from 'vitest';
import { renderPlan } from './plan.js';

const plan: Plan = {
  revision: '42',
  changed: true,
  changes: [
    { action: 'create', name: 'a.service', desiredState: 'launched' },
    {
      action: 'replace',
      name: 'b.service',
      fromHash: '1',
      toHash: '2',
      desiredState: 'launched',
      diff: '--- b (cluster)\n+++ b (files)\n@@ -1 +1 @@\n-Description=\x1b]52;c;evil\x07\n+Description=ok\n',
    },
    { action: 'destroy', name: 'c.service' },
    { action: 'unchanged', name: 'd.service' },
  ],
};

describe('renderPlan', () => {
  it('colours the lines on a terminal, and escapes what the cluster sent', () => {
    expect(renderPlan(plan, true)).toEqual([
      '\x1b[32m+ create a.service (launched)\x1b[0m',
      '\x1b[33m~ replace b.service\x1b[0m',
      '    --- b (cluster)',
      '    +++ b (files)',
      '    \x1b[36m@@ -1 +1 @@\x1b[0m',
      '    \x1b[31m-Description=\\x1b]52;c;evil\\x07\x1b[0m',
      '    \x1b[32m+Description=ok\x1b[0m',
      '\x1b[31m- destroy c.service\x1b[0m',
      'Plan: 1 to create, 1 to replace, 0 to start, 1 to destroy, 1 unchanged.',
      'revision 42',
    ]);
  });

  it('writes no colour elsewhere', () => {
    const lines = renderPlan(plan, false, true);
    expect(lines.join('\n')).not.toContain('\x1b[');
    expect(lines.at(-2)).toBe(
      'Applied: 1 created, 1 replaced, 0 started, 1 destroyed, 1 unchanged.',
    );
  });
});
