// Test support lives at @fleet/api/testing only: the main entry does not carry it.
import { describe, expect, it } from 'vitest';
import * as main from './index.js';
import * as testing from './testing/index.js';

describe('entry points', () => {
  it('keeps inject and the fixture out of the main entry', () => {
    for (const name of Object.keys(testing)) expect(Object.keys(main)).not.toContain(name);
    expect(Object.keys(testing)).toEqual(
      expect.arrayContaining(['inject', 'Fixture', 'serviceOptions']),
    );
  });
});
