import { describe, expect, it } from 'vitest';
import { tabwrite, tabwriteRows } from './tabwriter.js';

describe('tabwrite (Go tabwriter: minwidth 0, tabwidth 8, padding 1, tab padding)', () => {
  it('pads each cell to its column width + 1, rounded up to 8, with tabs', () => {
    expect(
      tabwrite('UNIT\tMACHINE\tACTIVE\nhello.service\t113f16a7.../127.17.8.103\tactive\n'),
    ).toBe('UNIT\t\tMACHINE\t\t\t\tACTIVE\nhello.service\t113f16a7.../127.17.8.103\tactive\n');
  });

  it('widens a column to the next tab stop when a cell fills 8 columns exactly (padding 1)', () => {
    expect(tabwrite('abcdefgh\tx\nab\ty\n')).toBe('abcdefgh\tx\nab\t\ty\n');
    expect(tabwrite('abcdefg\tx\nab\ty\n')).toBe('abcdefg\tx\nab\ty\n');
  });

  it('leaves the text after the last tab unpadded and keeps lines without tabs', () => {
    expect(tabwrite('a\tlonger text here\nno tabs at all\nb\tc\n')).toBe(
      'a\tlonger text here\nno tabs at all\nb\tc\n',
    );
  });

  it('aligns columns per block: a line with fewer cells ends the block', () => {
    const text = 'aaaaaaaaaaaa\tx\nb\ty\nonly one cell\nc\tz\n';
    expect(tabwrite(text)).toBe('aaaaaaaaaaaa\tx\nb\t\ty\nonly one cell\nc\tz\n');
  });

  it('formats inner columns within the block of the outer column', () => {
    const text = 'a\tbbbbbbbbbb\tc\nd\te\n';
    // Column 1 exists only on line 1 (line 2's "e" is its last cell).
    expect(tabwrite(text)).toBe('a\tbbbbbbbbbb\tc\nd\te\n');
  });

  it('counts width in characters (runes), not bytes', () => {
    expect(tabwrite('ééééééé\tx\nab\ty\n')).toBe('ééééééé\tx\nab\ty\n');
  });

  it('pads empty cells', () => {
    expect(tabwrite('\tx\nabcdefghij\ty\n')).toBe('\t\tx\nabcdefghij\ty\n');
  });

  it('renders rows', () => {
    expect(tabwriteRows([])).toBe('');
    expect(
      tabwriteRows([
        ['A', 'B'],
        ['x', 'y'],
      ]),
    ).toBe('A\tB\nx\ty\n');
  });
});
