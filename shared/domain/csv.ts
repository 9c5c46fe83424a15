// CSV as RFC 4180 writes it: CRLF line ends, a field quoted when it holds a comma, a quote, CR
// or LF, quotes inside doubled. UTF-8 with a byte-order mark, so that spreadsheet programs
// (Excel in particular) read Chinese text as UTF-8 instead of the system code page. Pure.

/** The UTF-8 byte-order mark, written once at the start of a file. */
export const BOM = '\uFEFF';

export const CRLF = '\r\n';

/** A cell as it must appear in the file. */
export function csvField(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record with its line end. */
export function csvRecord(values: ReadonlyArray<string | number | undefined | null>): string {
  return values.map(csvField).join(',') + CRLF;
}

/**
 * Free text a customer typed (a name, a city) may start with `=`, `+`, `-`, `@`, a tab or a CR,
 * which spreadsheet programs run as a formula ("CSV injection"). Such a cell gets a leading
 * apostrophe, as OWASP recommends; the apostrophe shows, the formula never runs. Only for text
 * columns: ids, phone numbers (`+86…`) and numbers are ours and stay as they are.
 */
export function defuseFormula(text: string | undefined): string | undefined {
  return text !== undefined && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** The start of a file: the byte-order mark and the header record. */
export function csvHeader(columns: readonly string[]): string {
  return BOM + csvRecord(columns);
}
