import { describe, expect, it } from 'vitest';
import { unitDescription } from './description.js';
import { parseUnitFile } from './parse.js';

describe('unitDescription', () => {
  it('reads [Unit] Description', () => {
    expect(unitDescription(parseUnitFile('[Unit]\nDescription=My web server\n'))).toBe(
      'My web server',
    );
  });

  it('is empty without one', () => {
    expect(unitDescription(parseUnitFile('[Service]\nDescription=not here\n'))).toBe('');
  });

  it('takes the last one', () => {
    expect(unitDescription(parseUnitFile('[Unit]\nDescription=a\nDescription=b\n'))).toBe('b');
  });
});
