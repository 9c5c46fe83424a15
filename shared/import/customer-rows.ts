// Rows of a customers CSV as bodies of `POST /customers`. Pure. The API validates the fields;
// its field names are mapped back to the file's column names for the error report.
import type { FieldIssue } from '../domain/errors.js';
import { isoDate, type RowOutcome } from './order-rows.js';

/** Column → where it goes in the create body. */
const COLUMN_PATHS = {
  email: ['email'],
  phone: ['phone'],
  external_id: ['externalId'],
  given_name: ['name', 'given'],
  family_name: ['name', 'family'],
  display_name: ['name', 'display'],
  gender: ['gender'],
  birth_date: ['birthDate'],
  language: ['language'],
  time_zone: ['timeZone'],
  city: ['address', 'city'],
  region: ['address', 'region'],
  country: ['address', 'country'],
  acquisition_channel: ['acquisitionChannel'],
  tags: ['tags'],
  email_consent: ['consent', 'email'],
} as const;

export const CUSTOMER_COLUMNS = { required: [] as string[], optional: Object.keys(COLUMN_PATHS) };

/** The source of consent recorded for imported rows. */
export const IMPORT_CONSENT_SOURCE = 'import';

export function customerRowToBody(
  values: Readonly<Record<string, string>>,
): RowOutcome<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  for (const [column, path] of Object.entries(COLUMN_PATHS)) {
    const raw = (values[column] ?? '').trim();
    if (raw === '') continue;
    let value: unknown = raw;
    if (column === 'tags') {
      value = raw
        .split(';')
        .map((tag) => tag.trim())
        .filter(Boolean);
    } else if (column === 'birth_date') {
      value = isoDate(raw);
    } else if (column === 'country') {
      value = raw.toUpperCase();
    } else if (column === 'email_consent') {
      const granted = { true: true, false: false }[raw.toLowerCase()];
      if (granted === undefined) {
        issues.push({ field: column, message: 'must be true or false' });
        continue;
      }
      value = { granted, source: IMPORT_CONSENT_SOURCE };
    }
    let target = body;
    for (const key of path.slice(0, -1)) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1) as string] = value;
  }
  if (!body.email && !body.phone && !body.externalId) {
    issues.push({ field: 'email', message: 'give at least one of email, phone, external_id' });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, entry: body };
}

/** The column an API field of the create body came from. */
export function customerColumnOf(field: string): string {
  const path = field.split('.');
  for (const [column, target] of Object.entries(COLUMN_PATHS)) {
    if (target.every((part, index) => path[index] === part)) return column;
  }
  if (path[0] === 'name') return 'given_name';
  if (path[0] === 'address') return 'city';
  return field;
}
