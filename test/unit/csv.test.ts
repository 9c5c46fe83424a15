import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOM, csvField, csvHeader, csvRecord, defuseFormula } from '../../shared/domain/csv.js';
import { parseCsv } from './csv-reader.js';

describe('CSV fields', () => {
  it.each([
    ['plain', 'plain'],
    ['with, comma', '"with, comma"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['王小明', '王小明'],
    ['上海市, 浦东', '"上海市, 浦东"'],
    ['', ''],
  ])('%j is written as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes numbers as they are and missing values as empty cells', () => {
    expect(csvRecord(['a', 1.5, undefined, null, 0])).toBe('a,1.5,,,0\r\n');
  });

  it('starts a file with the UTF-8 byte-order mark and the header', () => {
    const header = csvHeader(['customer_id', 'name']);
    expect(header).toBe('\uFEFFcustomer_id,name\r\n');
    expect([...Buffer.from(header, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(BOM).toBe('\uFEFF');
  });
});

describe('formula defusing', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'],
    ['+1+1', "'+1+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTab', "'\tTab"],
    ['Ann', 'Ann'],
    ['a=b', 'a=b'],
    [undefined, undefined],
  ])('%j becomes %j', (value, expected) => {
    expect(defuseFormula(value)).toBe(expected);
  });
});

describe('CSV round trip', () => {
  const cell = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom(
      'a,b',
      '"quoted"',
      'line\r\nbreak',
      'lf\nonly',
      '中文，逗号',
      '王小明',
      '"',
      ',',
      '\r',
      '\n',
      ' spaced ',
    ),
  );

  it('every record comes back exactly as written, whatever it holds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        (rows) => {
          const width = rows[0]?.length ?? 0;
          const table = rows.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? ''));
          const header = Array.from({ length: width }, (_, i) => `c${i}`);
          const text = csvHeader(header) + table.map((row) => csvRecord(row)).join('');
          expect(parseCsv(text)).toEqual([header, ...table]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
