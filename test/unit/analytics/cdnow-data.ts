// Loads the CDNOW benchmark from the shared data folder (never copied into the project) for the
// analytics tests. Not a test file itself.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CustomerSummary,
  parseCdnowLog,
  summarize,
  type Transaction,
} from '../../../shared/domain/analytics/cdnow.js';

const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/cdnow');

/** Last day of the 39-week calibration period and of the 39-week holdout (README). */
export const CALIBRATION_END = '1997-09-30';
export const HOLDOUT_END = '1998-06-30';

/** A row of the published, 2-decimal summary CSV. */
export interface PublishedSummaryRow {
  readonly customerId: string;
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly zbar: number;
}

let transactions: Transaction[] | undefined;
let summaries: CustomerSummary[] | undefined;
let published: PublishedSummaryRow[] | undefined;

/** The raw log (6,919 purchase lines) as transactions. */
export function cdnowTransactions(): Transaction[] {
  transactions ??= parseCdnowLog(readFileSync(resolve(DATA_DIR, 'CDNOW_sample.txt'), 'utf8'));
  return transactions;
}

/** The calibration summaries built from the raw log by `summarize`. */
export function cdnowSummaries(): CustomerSummary[] {
  summaries ??= summarize(cdnowTransactions(), CALIBRATION_END);
  return summaries;
}

/** The published summary CSV (`ID,x,t_x,T,zbar`, CRLF line endings). */
export function cdnowPublishedSummary(): PublishedSummaryRow[] {
  published ??= readFileSync(resolve(DATA_DIR, 'cdnow_customers_summary_with_transactions.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, x, tx, T, zbar] = line.split(',');
      return { customerId: String(id), x: Number(x), tx: Number(tx), T: Number(T), zbar: Number(zbar) };
    });
  return published;
}
