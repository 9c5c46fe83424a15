// Loads parsed CSV rows into a running Retain through its public HTTP API (the batch endpoint for
// orders, POST /customers for profiles), several requests in flight. The same code serves the
// `npm run import` CLI (local stack or a deployed one) and tests. Valid rows are kept whatever
// happens to the others; every refused row is reported with its row number, column and reason.
// Re-running a file changes nothing: orders are recorded once per order id, and a customer whose
// email / phone / external id exists already is reported as already present.
import { randomUUID } from 'node:crypto';
import type { CsvRow } from './csv.js';
import { customerColumnOf, customerRowToBody } from './customer-rows.js';
import { type OrderEntry, orderColumnOf, orderRowToEntry } from './order-rows.js';
import { mapLimit } from '../concurrency.js';

export interface ImportTarget {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  api: string;
  /** A bearer token with the `ingest` (or `admin`) role. */
  token: string;
  /** Requests in flight (default 8). */
  concurrency?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface RowError {
  row: number;
  /** The CSV column at fault (`row` when the row as a whole is). */
  field: string;
  reason: string;
}

export interface ImportReport {
  rows: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  customersCreated: number;
  errors: RowError[];
}

/** The API refused the import as a whole (bad token, wrong URL…): no point going on. */
export class ImportAborted extends Error {
  override name = 'ImportAborted';
}

interface Problem {
  status?: number;
  title?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** What the API answers: a problem, a created customer, or a batch's results. */
interface Answer extends Problem {
  existingId?: string;
  customersCreated?: number;
  results?: Array<{ index: number; status: string; error?: Problem }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses worth another try: throttling, an in-flight duplicate, server trouble. */
const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);

async function send(
  target: ImportTarget,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Answer | undefined }> {
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let parsed: Answer | undefined;
    try {
      const response = await fetch(`${target.api.replace(/\/$/, '')}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}`, ...headers },
        body: JSON.stringify(body),
      });
      status = response.status;
      const text = await response.text();
      parsed = text ? (JSON.parse(text) as Answer) : undefined;
    } catch (error) {
      if (attempt >= 5) throw new ImportAborted(`cannot reach ${target.api}: ${(error as Error).message}`);
    }
    // A 409 naming an existing customer is an answer, not a transient state.
    const retryable = status === 0 || (RETRYABLE.has(status) && !(status === 409 && parsed?.existingId));
    if (!retryable || attempt >= 5) return { status, body: parsed };
    await sleep(200 * 2 ** attempt);
  }
}

/** Answers about the call itself, not a row: these routes never answer 404 for a row. */
function abortOn(status: number, body: Problem | undefined): void {
  if (status === 401 || status === 403) {
    throw new ImportAborted(`the API refused the token (${status}): ${body?.detail ?? body?.title ?? ''}`);
  }
  if (status === 404) throw new ImportAborted('no such route at this API URL: is it a Retain API?');
}

function problemErrors(
  row: number,
  problem: Problem | undefined,
  columnOf: (field: string) => string,
  fallback: string,
) {
  if (problem?.errors?.length) {
    return problem.errors.map((issue) => ({ row, field: columnOf(issue.field), reason: issue.message }));
  }
  return [{ row, field: fallback, reason: problem?.detail ?? problem?.title ?? 'refused' }];
}

function emptyReport(rows: number): ImportReport {
  return { rows, created: 0, alreadyPresent: 0, failed: 0, customersCreated: 0, errors: [] };
}

function localFailures(report: ImportReport, malformed: ReadonlyArray<{ row: number; reason: string }>) {
  for (const bad of malformed) report.errors.push({ row: bad.row, field: 'row', reason: bad.reason });
}

const BATCH = 100;

/**
 * Batches of at most 100 rows that never split a customer, so one customer's orders are written
 * together (one transaction per customer and call) and two calls in flight never contend for the
 * same profile. A customer with more than 100 rows gets a lane of batches sent one after another;
 * the longest lanes go first.
 */
export function customerLanes<T extends { ref: string }>(entries: readonly T[]): T[][][] {
  const byCustomer = new Map<string, T[]>();
  for (const entry of entries) {
    const rows = byCustomer.get(entry.ref);
    if (rows) rows.push(entry);
    else byCustomer.set(entry.ref, [entry]);
  }
  const lanes: T[][][] = [];
  let current: T[] = [];
  for (const rows of byCustomer.values()) {
    if (rows.length > BATCH) {
      lanes.push(
        Array.from({ length: Math.ceil(rows.length / BATCH) }, (_, i) =>
          rows.slice(i * BATCH, (i + 1) * BATCH),
        ),
      );
      continue;
    }
    if (current.length + rows.length > BATCH) {
      lanes.push([current]);
      current = [];
    }
    current.push(...rows);
  }
  if (current.length > 0) lanes.push([current]);
  return lanes.sort((a, b) => b.length - a.length);
}

/**
 * Orders rows (see ORDER_COLUMNS) through `POST /orders/batch`, up to 100 per call, grouped by
 * customer (see `customerLanes`).
 */
export async function importOrders(
  rows: readonly CsvRow[],
  options: ImportTarget & {
    createMissing?: boolean;
    malformed?: ReadonlyArray<{ row: number; reason: string }>;
  },
): Promise<ImportReport> {
  const total = rows.length + (options.malformed?.length ?? 0);
  const report = emptyReport(total);
  localFailures(report, options.malformed ?? []);
  const entries: Array<{ row: number; entry: OrderEntry; ref: string }> = [];
  for (const { row, values } of rows) {
    const outcome = orderRowToEntry(values);
    if (outcome.ok) entries.push({ row, entry: outcome.entry, ref: (values.customer_ref ?? '').trim() });
    else
      report.errors.push(
        ...outcome.issues.map((issue) => ({ row, field: issue.field, reason: issue.message })),
      );
  }
  const lanes = customerLanes(entries);
  let done = total - entries.length;
  options.onProgress?.({ done, total });
  const sendBatch = async (batch: typeof entries) => {
    const { status, body } = await send(options, '/orders/batch', {
      orders: batch.map(({ entry }) => entry),
      ...(options.createMissing ? { createMissing: true } : {}),
    });
    abortOn(status, body);
    if (status !== 200 || !body?.results) {
      for (const { row } of batch) report.errors.push(...problemErrors(row, body, orderColumnOf, 'row'));
    } else {
      report.customersCreated += body.customersCreated ?? 0;
      for (const result of body.results) {
        const { row } = batch[result.index] as (typeof batch)[number];
        if (result.status === 'created') report.created++;
        else if (result.status === 'duplicate') report.alreadyPresent++;
        else
          report.errors.push(
            ...problemErrors(
              row,
              result.error,
              orderColumnOf,
              result.error?.status === 404 ? 'customer_ref' : 'row',
            ),
          );
      }
    }
    done += batch.length;
    options.onProgress?.({ done, total });
  };
  await mapLimit(lanes, options.concurrency ?? 8, async (lane) => {
    for (const batch of lane) await sendBatch(batch);
  });
  return finish(report);
}

/** Customers rows (see CUSTOMER_COLUMNS) through `POST /customers`, one call per row. */
export async function importCustomers(
  rows: readonly CsvRow[],
  options: ImportTarget & { malformed?: ReadonlyArray<{ row: number; reason: string }> },
): Promise<ImportReport> {
  const total = rows.length + (options.malformed?.length ?? 0);
  const report = emptyReport(total);
  localFailures(report, options.malformed ?? []);
  const bodies: Array<{ row: number; body: Record<string, unknown> }> = [];
  for (const { row, values } of rows) {
    const outcome = customerRowToBody(values);
    if (outcome.ok) bodies.push({ row, body: outcome.entry });
    else
      report.errors.push(
        ...outcome.issues.map((issue) => ({ row, field: issue.field, reason: issue.message })),
      );
  }
  // One key per row and run: a retried request cannot create twice; a re-run is a new request
  // and finds the customer present.
  const run = randomUUID();
  let done = total - bodies.length;
  options.onProgress?.({ done, total });
  await mapLimit(bodies, options.concurrency ?? 8, async ({ row, body }) => {
    const response = await send(options, '/customers', body, { 'idempotency-key': `import-${run}-${row}` });
    abortOn(response.status, response.body);
    if (response.status === 201) report.created++;
    else if (response.status === 409 && response.body?.existingId) report.alreadyPresent++;
    else report.errors.push(...problemErrors(row, response.body, customerColumnOf, 'row'));
    done++;
    if (done % 50 === 0 || done === total) options.onProgress?.({ done, total });
  });
  return finish(report);
}

function finish(report: ImportReport): ImportReport {
  report.errors.sort((a, b) => a.row - b.row);
  report.failed = new Set(report.errors.map((error) => error.row)).size;
  return report;
}
