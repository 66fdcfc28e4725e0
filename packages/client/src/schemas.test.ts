// What the client keeps of the server's answers.
import { describe, expect, it } from 'vitest';
import { machineSchema } from './schemas.js';

describe('machineSchema', () => {
  it('keeps every metadata key, __proto__ and constructor included', () => {
    const wire = JSON.parse(
      '{"id":"m1","metadata":{"__proto__":"eu","constructor":"x","region":"us"}}',
    ) as unknown;
    const m = machineSchema.parse(wire);
    expect(Object.entries(m.metadata ?? {})).toEqual([
      ['__proto__', 'eu'],
      ['constructor', 'x'],
      ['region', 'us'],
    ]);
  });

  it('refuses metadata that is not an object of strings', () => {
    expect(machineSchema.safeParse({ id: 'm1', metadata: { a: 1 } }).success).toBe(false);
    expect(machineSchema.safeParse({ id: 'm1', metadata: ['a'] }).success).toBe(false);
  });
});
