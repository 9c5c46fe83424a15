import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvError, headerProblems, parseCsv, parseCsvTable } from '../../../shared/import/csv.js';

const fieldsOf = (text: string) => parseCsv(text).map((record) => record.fields);

describe('parseCsv (RFC 4180)', () => {
  it.each([
    [
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'a,b\r\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ], // CRLF, no final line break
    [
      'a,b\n,\n',
      [
        ['a', 'b'],
        ['', ''],
      ],
    ], // empty fields
    ['"a,1","b ""quoted"""\n', [['a,1', 'b "quoted"']]],
    ['"line 1\nline 2",x\n', [['line 1\nline 2', 'x']]],
    ['"crlf\r\ninside",x\r\n', [['crlf\r\ninside', 'x']]],
    [
      '\uFEFFid,name\n1,Ana\n',
      [
        ['id', 'name'],
        ['1', 'Ana'],
      ],
    ], // byte order mark dropped
    ['a\n\n\nb\n', [['a'], ['b']]], // blank lines skipped
    ['""\n', [['']]], // a quoted empty field is a record
    ['a,"",c\n', [['a', '', 'c']]],
    ['王小明,上海\n', [['王小明', '上海']]],
    ['ab"c,d\n', [['ab"c', 'd']]], // lenient: a quote inside an unquoted field is a character
  ])('%j', (text, expected) => {
    expect(fieldsOf(text)).toEqual(expected);
  });

  it('numbers rows as a spreadsheet does, counting blank lines, not lines inside quotes', () => {
    expect(parseCsv('h\n"x\ny"\n\nz\n').map((record) => record.row)).toEqual([1, 2, 4]);
  });

  it('refuses a quoted field that is never closed, naming its row', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3\n')).toThrow(
      new CsvError(2, 'a quoted field is not closed before the end of the file'),
    );
  });

  it('reads back any table written by the RFC rules', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', ',', '"', '\n', '\r\n', 'é', '中') });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((width) =>
            fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 10 }),
          ),
        (table) => {
          // Quote every field, as RFC 4180 allows: then every record, even one empty field, survives.
          const text = table
            .map((row) => row.map((value) => `"${value.replace(/"/g, '""')}"`).join(','))
            .join('\r\n');
          expect(fieldsOf(text)).toEqual(table);
        },
      ),
    );
  });
});

describe('parseCsvTable', () => {
  it('keys rows by the header and sets aside rows with a different field count', () => {
    const table = parseCsvTable(' id , name\n1,Ana\n2\n3,Bo,extra\n4,"Li, Wei"\n');
    expect(table.columns).toEqual(['id', 'name']);
    expect(table.rows).toEqual([
      { row: 2, values: { id: '1', name: 'Ana' } },
      { row: 5, values: { id: '4', name: 'Li, Wei' } },
    ]);
    expect(table.malformed).toEqual([
      { row: 3, reason: 'has 1 fields; the header has 2' },
      { row: 4, reason: 'has 3 fields; the header has 2' },
    ]);
    expect(() => parseCsvTable('')).toThrow(CsvError);
  });

  it('names missing, unknown and repeated columns', () => {
    expect(headerProblems(['a', 'c', 'c', 'x'], ['a', 'b'], ['c'])).toEqual([
      'missing column: b',
      'unknown column: x (known: a, b, c)',
      'repeated column: c',
    ]);
    expect(headerProblems(['a', 'b'], ['a', 'b'], ['c'])).toEqual([]);
  });
});
