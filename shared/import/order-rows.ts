// Rows of an orders CSV as entries of `POST /orders/batch`. Pure. Only what a CSV needs is done
// here (numbers, `YYYYMMDD` dates, which column names the customer); the API validates the rest
// and its field names are mapped back to the file's column names for the error report.
import type { FieldIssue } from '../domain/errors.js';

export const ORDER_COLUMNS = {
  required: ['customer_ref', 'order_id', 'ordered_at', 'amount', 'currency'],
  optional: ['quantity', 'sku', 'category', 'channel'],
} as const;

/** A row as a batch entry (the API's order fields plus one customer reference). */
export type OrderEntry = Record<string, unknown> & { orderId: string };

export type RowOutcome<T> = { ok: true; entry: T } | { ok: false; issues: FieldIssue[] };

/** `19970101` → `1997-01-01`; anything else is left to the API (ISO 8601 times, dates). */
export function isoDate(value: string): string {
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  return compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : value;
}

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A customer reference: an email when it looks like one (`a@b.c`), otherwise an external id.
 * External ids containing `@` must therefore not look like emails.
 */
export function customerReference(ref: string): { email: string } | { externalId: string } {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(ref) ? { email: ref } : { externalId: ref };
}

export function orderRowToEntry(values: Readonly<Record<string, string>>): RowOutcome<OrderEntry> {
  const get = (column: string) => (values[column] ?? '').trim();
  const issues: FieldIssue[] = [];
  for (const column of ORDER_COLUMNS.required) {
    if (get(column) === '') issues.push({ field: column, message: 'is required' });
  }
  const amount = get('amount');
  if (amount !== '' && !DECIMAL.test(amount))
    issues.push({ field: 'amount', message: 'must be a number like 12.50' });
  const quantity = get('quantity');
  if (quantity !== '' && !/^\d+$/.test(quantity))
    issues.push({ field: 'quantity', message: 'must be a whole number' });
  if (issues.length > 0) return { ok: false, issues };

  const item = {
    ...(get('sku') ? { sku: get('sku') } : {}),
    ...(get('category') ? { category: get('category') } : {}),
    ...(quantity ? { quantity: Number(quantity) } : {}),
  };
  return {
    ok: true,
    entry: {
      ...customerReference(get('customer_ref')),
      orderId: get('order_id'),
      orderedAt: isoDate(get('ordered_at')),
      amount: Number(amount),
      currency: get('currency').toUpperCase(),
      ...(Object.keys(item).length > 0 ? { items: [item] } : {}),
      ...(get('channel') ? { channel: get('channel') } : {}),
    },
  };
}

/** The column an API field of a batch entry came from. */
export function orderColumnOf(field: string): string {
  if (field === 'customerId' || field === 'externalId' || field === 'email') return 'customer_ref';
  const item = /^items\.0\.(sku|category|quantity)$/.exec(field);
  if (item) return item[1] as string;
  const columns: Record<string, string> = {
    orderId: 'order_id',
    orderedAt: 'ordered_at',
    amount: 'amount',
    currency: 'currency',
    channel: 'channel',
  };
  return columns[field] ?? field;
}
