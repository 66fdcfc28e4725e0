// What the client keeps of the server's answers.
import { describe, expect, it } from 'vitest';
import {
  errorSchema,
  machinePageSchema,
  machineSchema,
  unitPageSchema,
  unitSchema,
  unitStateSchema,
} from './schemas.js';

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

describe('unitSchema and unitStateSchema', () => {
  it('fill what a terse server leaves out and drop what the client does not know', () => {
    expect(unitSchema.parse({ name: 'a.service', desiredState: 'loaded', extra: 1 })).toEqual({
      name: 'a.service',
      options: [],
      desiredState: 'loaded',
    });
    expect(
      unitSchema.parse({
        name: 'a.service',
        desiredState: 'launched',
        currentState: 'loaded',
        machineID: '',
        reason: '',
        options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true', x: 'y' }],
      }),
    ).toEqual({
      name: 'a.service',
      desiredState: 'launched',
      currentState: 'loaded',
      options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }],
    });
    expect(
      unitStateSchema.parse({ name: 'a.service', hash: 'h', machineID: 'm', state: 'weird' }),
    ).toEqual({ name: 'a.service', hash: 'h', machineID: 'm' });
    expect(
      unitStateSchema.parse({
        name: 'a.service',
        hash: 'h',
        machineID: 'm',
        systemdActiveState: 'active',
        state: 'launched',
      }),
    ).toEqual({
      name: 'a.service',
      hash: 'h',
      machineID: 'm',
      systemdActiveState: 'active',
      state: 'launched',
    });
  });

  it("keep a unit state's health, and drop one that is not a health result", () => {
    const base = { name: 'a.service', hash: 'h', machineID: 'm' };
    const at = '2026-12-04T17:00:00.000Z';
    expect(
      unitStateSchema.parse({ ...base, health: { status: 'failing', output: 'x', checkedAt: at } }),
    ).toEqual({ ...base, health: { status: 'failing', output: 'x', checkedAt: at } });
    expect(
      unitStateSchema.parse({ ...base, health: { status: 'passing', checkedAt: at, more: 1 } }),
    ).toEqual({ ...base, health: { status: 'passing', checkedAt: at } });
    for (const health of ['passing', { status: 'ok', checkedAt: at }, { status: 'passing' }])
      expect(unitStateSchema.parse({ ...base, health })).toEqual(base);
  });

  it.each([
    [
      { name: 'a', desiredState: 'running' },
      'desiredState: expected inactive, loaded or launched, got string',
    ],
    [{ name: 1, desiredState: 'loaded' }, 'name: expected a string, got number'],
    [{ name: 'a', desiredState: 'loaded', options: null }, 'options: expected an array, got null'],
    [
      { name: 'a', desiredState: 'loaded', options: [{ section: 'S', name: 'N' }] },
      'options[0].value: expected a string, got undefined',
    ],
    ['a', 'the answer: expected an object, got string'],
  ])('refuses %j: %s', (wire, message) => {
    const r = unitSchema.safeParse(wire);
    expect(r.success).toBe(false);
    expect(r.success ? '' : r.error.message).toBe(message);
  });
});

describe('pages and errors', () => {
  it('an omitted list is an empty page; a wrong item names its place', () => {
    expect(machinePageSchema.parse({})).toEqual({ machines: [] });
    expect(unitPageSchema.parse({ units: [], nextPageToken: 't' })).toEqual({
      units: [],
      nextPageToken: 't',
    });
    const r = unitPageSchema.safeParse({ units: [{ name: 'a', desiredState: 'x' }] });
    expect(r.success ? '' : r.error.message).toBe(
      'units[0].desiredState: expected inactive, loaded or launched, got string',
    );
  });

  it("reads fleet's error body, and refuses anything else", () => {
    expect(errorSchema.parse({ error: { code: 404, message: 'gone' } })).toEqual({
      error: { message: 'gone' },
    });
    expect(errorSchema.safeParse({ error: { code: '404' } }).success).toBe(false);
    expect(errorSchema.safeParse({ message: 'x' }).success).toBe(false);
  });

  it('keeps health objects and a version string, and drops malformed ones', () => {
    expect(machineSchema.parse({ id: 'm', health: { load1: 0.5 }, version: '1.0.0' })).toEqual({
      id: 'm',
      health: { load1: 0.5 },
      version: '1.0.0',
    });
    expect(machineSchema.parse({ id: 'm', health: [1], version: 2 })).toEqual({ id: 'm' });
  });
});
