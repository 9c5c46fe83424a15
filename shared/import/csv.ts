// A small RFC 4180 CSV reader: comma-separated fields, records ended by CRLF or LF, fields in
// double quotes may hold commas, line breaks and doubled quotes (`""` is one `"`); a UTF-8 byte
// order mark is dropped; blank lines are skipped. Outside the grammar it is lenient the usual way:
// a quote inside an unquoted field is kept as a character, and characters after a closing quote
// are appended to the field. Pure: text in, records out.

export interface CsvRecord {
  /** Record number as a spreadsheet shows it: the header is row 1. */
  row: number;
  fields: string[];
}

export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(`row ${row}: ${message}`);
  }
}

/** Every record of the text, the header included. */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  /** At the first character of a field (where an opening quote may come). */
  let atFieldStart = true;
  /** The record has a separator or a quoted field: not a blank line. */
  let hasContent = false;
  let row = 1;
  const endRecord = () => {
    fields.push(field);
    if (hasContent || field !== '') records.push({ row, fields });
    row++;
    fields = [];
    field = '';
    atFieldStart = true;
    hasContent = false;
  };
  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string;
    if (quoted) {
      if (char !== '"') field += char;
      else if (source[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
      continue;
    }
    if (char === '"' && atFieldStart) {
      quoted = true;
      hasContent = true;
      atFieldStart = false;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      hasContent = true;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i++;
      endRecord();
    } else {
      field += char;
      atFieldStart = false;
    }
  }
  if (quoted) throw new CsvError(row, 'a quoted field is not closed before the end of the file');
  if (hasContent || field !== '') endRecord();
  return records;
}

export interface CsvRow {
  row: number;
  /** Values by column name (the header's names, trimmed). */
  values: Record<string, string>;
}

export interface CsvTable {
  columns: string[];
  rows: CsvRow[];
  /** Records whose field count differs from the header's. */
  malformed: Array<{ row: number; reason: string }>;
}

/** Records as rows keyed by the header; the header is required. */
export function parseCsvTable(text: string): CsvTable {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new CsvError(1, 'the file is empty: a header row is required');
  const columns = header.fields.map((name) => name.trim());
  const rows: CsvRow[] = [];
  const malformed: CsvTable['malformed'] = [];
  for (const record of records) {
    if (record.fields.length !== columns.length) {
      malformed.push({
        row: record.row,
        reason: `has ${record.fields.length} fields; the header has ${columns.length}`,
      });
      continue;
    }
    rows.push({
      row: record.row,
      values: Object.fromEntries(columns.map((column, i) => [column, record.fields[i] ?? ''])),
    });
  }
  return { columns, rows, malformed };
}

/**
 * Problems with a header: missing required columns, unknown ones (a typo would silently drop a
 * column) and repeated ones. Empty when the header is fine.
 */
export function headerProblems(
  columns: readonly string[],
  required: readonly string[],
  optional: readonly string[],
): string[] {
  const known = new Set([...required, ...optional]);
  const problems: string[] = [];
  const missing = required.filter((column) => !columns.includes(column));
  if (missing.length) problems.push(`missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  const unknown = columns.filter((column) => !known.has(column));
  if (unknown.length) {
    problems.push(
      `unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
    );
  }
  const repeated = columns.filter((column, index) => columns.indexOf(column) !== index);
  if (repeated.length)
    problems.push(`repeated column${repeated.length > 1 ? 's' : ''}: ${[...new Set(repeated)].join(', ')}`);
  return problems;
}
