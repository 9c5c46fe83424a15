// `npm run import -- customers|orders <file.csv> [--create-missing] [--api URL --token TOKEN]
// [--concurrency N] [--errors FILE]`: loads a CSV file into the running local stack (`npm start`)
// or, with --api and --token, into a deployed one, through the public API. Shows a progress bar,
// then a summary and every refused row (row number, column, reason); the full list of refused rows
// is also written as CSV next to the input. Exit code 0: every row is in; 1: some rows were
// refused; 2: the command or the file is wrong.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CsvError, headerProblems, parseCsvTable } from '../../shared/import/csv.js';
import { CUSTOMER_COLUMNS } from '../../shared/import/customer-rows.js';
import {
  ImportAborted,
  type ImportReport,
  importCustomers,
  importOrders,
} from '../../shared/import/http-importer.js';
import { ORDER_COLUMNS } from '../../shared/import/order-rows.js';
import { runtimeFile } from './paths.js';

const USAGE =
  'usage: npm run import -- <customers|orders> <file.csv> [--create-missing] [--api URL --token TOKEN] [--concurrency N] [--errors FILE]';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'create-missing': { type: 'boolean', default: false },
    api: { type: 'string' },
    token: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    errors: { type: 'string' },
  },
});
const [kind, file] = positionals;
if ((kind !== 'customers' && kind !== 'orders') || !file || positionals.length !== 2) fail(USAGE);
if (values['create-missing'] && kind !== 'orders') fail('--create-missing applies to orders only');
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) fail('--concurrency must be 1–64');
if (!existsSync(file)) fail(`no such file: ${file}`);

/** Where to send: --api/--token, or the local stack started with `npm start` (and an ingest token). */
async function target(): Promise<{ api: string; token: string }> {
  if (values.api || values.token) {
    if (!values.api || !values.token) fail('give both --api and --token (or neither, for the local stack)');
    return { api: values.api, token: values.token };
  }
  if (!existsSync(runtimeFile))
    fail('Retain is not running here: start it with `npm start`, or give --api and --token.', 1);
  const { api, control } = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { api: string; control: string };
  const response = await fetch(`${control}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'ingest', subject: 'import-cli' }),
  });
  if (!response.ok) fail(`the local stack did not issue a token (${response.status})`, 1);
  return { api, token: ((await response.json()) as { token: string }).token };
}

function progressBar(): (progress: { done: number; total: number }) => void {
  const started = Date.now();
  let lastShare = -1;
  return ({ done, total }) => {
    const share = total === 0 ? 1 : done / total;
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ` +
          `${done.toLocaleString('en')}/${total.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s `,
      );
      if (done === total) process.stderr.write('\n');
    } else if (Math.floor(share * 10) > lastShare) {
      lastShare = Math.floor(share * 10);
      process.stderr.write(`${(share * 100).toFixed(0)}% (${done}/${total} rows)\n`);
    }
  };
}

const csvCell = (value: string | number) =>
  /[",\r\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value);

function printReport(report: ImportReport, seconds: number, errorsFile: string | undefined): void {
  console.log(`\n${kind} import of ${file} finished in ${seconds.toFixed(1)} s`);
  console.log(`  rows read         ${report.rows}`);
  console.log(`  imported          ${report.created}`);
  console.log(`  already present   ${report.alreadyPresent}`);
  if (kind === 'orders') console.log(`  customers created ${report.customersCreated}`);
  console.log(`  refused rows      ${report.failed}`);
  if (report.errors.length === 0) return;
  const shown = report.errors.slice(0, 20);
  console.log('\n  row  column          reason');
  for (const error of shown)
    console.log(`  ${String(error.row).padStart(4)} ${error.field.padEnd(15)} ${error.reason}`);
  if (report.errors.length > shown.length) console.log(`  … and ${report.errors.length - shown.length} more`);
  if (errorsFile) {
    const lines = [
      'row,column,reason',
      ...report.errors.map((e) => [e.row, e.field, e.reason].map(csvCell).join(',')),
    ];
    writeFileSync(errorsFile, `${lines.join('\n')}\n`);
    console.log(`\n  every refused row: ${errorsFile}`);
  }
}

const columns = kind === 'orders' ? ORDER_COLUMNS : CUSTOMER_COLUMNS;
let table: ReturnType<typeof parseCsvTable>;
try {
  table = parseCsvTable(readFileSync(file, 'utf8'));
} catch (error) {
  if (error instanceof CsvError) fail(`${file}: ${error.message}`);
  throw error;
}
const problems = headerProblems(table.columns, columns.required, columns.optional);
if (problems.length > 0) fail(`${file}: the header is wrong: ${problems.join('; ')}`);

const started = Date.now();
try {
  const options = { ...(await target()), concurrency, onProgress: progressBar(), malformed: table.malformed };
  const report =
    kind === 'orders'
      ? await importOrders(table.rows, { ...options, createMissing: values['create-missing'] })
      : await importCustomers(table.rows, options);
  const errorsFile =
    report.errors.length > 0 ? (values.errors ?? `${file.replace(/\.csv$/i, '')}.errors.csv`) : undefined;
  printReport(report, (Date.now() - started) / 1000, errorsFile);
  process.exit(report.failed > 0 ? 1 : 0);
} catch (error) {
  if (error instanceof ImportAborted) fail(`import stopped: ${error.message}`, 1);
  throw error;
}
