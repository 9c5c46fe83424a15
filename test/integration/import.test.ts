// The CSV import through the real HTTP API (the same code as `npm run import`), and the CLI itself
// as a child process: good rows are kept, bad rows reported by row number and column, and a
// second run of the same file changes nothing. Expected figures are worked out by hand.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsvTable } from '../../shared/import/csv.js';
import { importCustomers, importOrders } from '../../shared/import/http-importer.js';
import { findCustomerIdBy, loadCustomer } from '../../shared/store/customer-repository.js';
import { api, stack, token, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

const target = async () => ({ api: stack.urls.api, token: await token('ingest'), concurrency: 4 });

async function runImport(kind: 'customers' | 'orders', csv: string, extra: { createMissing?: boolean } = {}) {
  const table = parseCsvTable(csv);
  const options = { ...(await target()), malformed: table.malformed, ...extra };
  return kind === 'orders' ? importOrders(table.rows, options) : importCustomers(table.rows, options);
}

const idOf = async (externalId: string) => (await findCustomerIdBy('externalId', externalId)) as string;

describe('importing customers', () => {
  it('keeps the good rows, reports the bad ones by row and column, and changes nothing on a re-run', async () => {
    const [a, b, c] = [unique('ca'), unique('cb'), unique('cc')];
    const csv =
      '\uFEFFexternal_id,email,given_name,family_name,birth_date,country,tags,email_consent,city\r\n' +
      `${a},${a}@example.com,Ana,Lima,19900215,pt,vip;newsletter,true,"Porto, Norte"\r\n` +
      `${b},not-an-email,Bo,,,,,,\r\n` + // row 3: bad email
      `${c},,"Zoë ""Z""",Wang,1985-02-30,CN,,maybe,Shanghai\r\n` + // row 4: bad date, bad consent
      ',,,,,,,,\r\n' + // row 5: no identifier
      `${unique('cd')},,Dee\r\n`; // row 6: too few fields
    const first = await runImport('customers', csv);
    expect(first).toMatchObject({ rows: 5, created: 1, alreadyPresent: 0, failed: 4 });
    expect(first.errors).toEqual([
      { row: 3, field: 'email', reason: expect.any(String) },
      { row: 4, field: 'email_consent', reason: 'must be true or false' },
      { row: 5, field: 'email', reason: expect.stringContaining('at least one') },
      { row: 6, field: 'row', reason: 'has 3 fields; the header has 9' },
    ]);
    const stored = await loadCustomer(await idOf(a), true);
    expect(stored).toMatchObject({
      email: `${a}@example.com`,
      name: { given: 'Ana', family: 'Lima' },
      birthDate: '1990-02-15',
      address: { country: 'PT', city: 'Porto, Norte' },
      tags: ['vip', 'newsletter'],
      consent: { email: { granted: true, source: 'import' } },
    });

    // Row 4 fixed except its date: the API names the date column.
    const fixed = csv.replace(',maybe,', ',false,');
    const second = await runImport('customers', fixed);
    expect(second).toMatchObject({ created: 0, alreadyPresent: 1, failed: 4 });
    expect(second.errors.find((error) => error.row === 4)).toEqual({
      row: 4,
      field: 'birth_date',
      reason: expect.any(String),
    });
  });
});

describe('importing orders', () => {
  it('keeps the good rows, reports the bad ones, and a second run of the file counts nothing twice', async () => {
    const known = unique('known');
    const email = `${unique('buyer')}@example.com`;
    expect((await api('POST', '/customers', { body: { externalId: known } })).status).toBe(201);
    expect((await api('POST', '/customers', { body: { email } })).status).toBe(201);
    const fresh = unique('fresh');
    const o = unique('ord');
    const csv = [
      'customer_ref,order_id,ordered_at,amount,currency,quantity,sku,category,channel',
      `${known},${o}-1,19970101,29.33,USD,2,CD-1,music,store`, // row 2
      `${known},${o}-2,1997-01-18T10:00:00+08:00,11.77,usd,,,,`, // row 3
      `${known},${o}-3,19970118,-5,USD,,,,`, // row 4: negative amount
      `${email},${o}-4,19970301,10,USD,1,CD-2,music,web`, // row 5
      `${fresh},${o}-5,19970302,5.5,USD,,,,`, // row 6: unknown customer (no --create-missing)
      `${known},${o}-6,19970230,1,USD,,,,`, // row 7: no such date
      `${known},${o}-7,19970105,1,XYZ,,,,`, // row 8: unknown currency
      `${known},,19970105,1,USD,,,,`, // row 9: no order id
      `${known},${o}-8,19970105,1,USD,1.5,,,`, // row 10: fractional quantity
      `${known},${o}-9,19970105`, // row 11: too few fields
      `${known},${o}-1,19970101,29.33,USD,2,CD-1,music,store`, // row 12: the same order as row 2
    ].join('\n');

    const first = await runImport('orders', csv);
    expect(first).toMatchObject({ rows: 11, created: 3, alreadyPresent: 1, failed: 7, customersCreated: 0 });
    expect(first.errors.map((error) => [error.row, error.field])).toEqual([
      [4, 'amount'],
      [6, 'customer_ref'],
      [7, 'ordered_at'],
      [8, 'currency'],
      [9, 'order_id'],
      [10, 'quantity'],
      [11, 'row'],
    ]);

    const knownProfile = await loadCustomer(await idOf(known), true);
    expect(knownProfile.orderCount).toBe(2);
    expect(knownProfile.totalSpend).toBe(41.1); // 29.33 + 11.77
    // Bare dates are business-local days (Asia/Shanghai in this suite).
    expect(knownProfile.dailySpend).toEqual({ '1997-01-01': 29.33, '1997-01-18': 11.77 });
    expect(knownProfile.categoryCounts).toEqual({ music: 2 });
    const buyer = await loadCustomer((await findCustomerIdBy('email', email)) as string, true);
    expect(buyer.totalSpend).toBe(10);

    // The same file again, now creating missing customers: only the unknown customer's order is new.
    const second = await runImport('orders', csv, { createMissing: true });
    expect(second).toMatchObject({ created: 1, alreadyPresent: 4, failed: 6, customersCreated: 1 });
    const third = await runImport('orders', csv, { createMissing: true });
    expect(third).toMatchObject({ created: 0, alreadyPresent: 5, failed: 6, customersCreated: 0 });
    const again = await loadCustomer(await idOf(known), true);
    expect(again.orderCount).toBe(2);
    expect(again.totalSpend).toBe(41.1);
    const created = await loadCustomer(await idOf(fresh), true);
    expect(created).toMatchObject({ externalId: fresh, orderCount: 1, totalSpend: 5.5 });
  });

  it('records a heavy buyer: many orders across calls, on many days, in many categories, each once', async () => {
    const ref = unique('bulk');
    // 250 orders on 250 different days in 40 categories: more than one update expression can hold.
    const rows = Array.from({ length: 250 }, (_, i) => {
      const day = new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10).replaceAll('-', '');
      return `${ref},${ref}-${i},${day},${(i % 7) + 1},USD,1,,cat-${i % 40},`;
    });
    const csv = [
      'customer_ref,order_id,ordered_at,amount,currency,quantity,sku,category,channel',
      ...rows,
    ].join('\n');
    const report = await runImport('orders', csv, { createMissing: true });
    expect(report).toMatchObject({ rows: 250, created: 250, failed: 0, customersCreated: 1 });
    // Σ over i < 250 of (i mod 7) + 1: 35 full cycles of 1..7 (28 each) plus 1..5 (15).
    const stored = await loadCustomer(await idOf(ref), true);
    expect(stored.orderCount).toBe(250);
    expect(stored.totalSpend).toBe(35 * 28 + 15);
    expect(Object.keys(stored.dailyOrders as Record<string, number>)).toHaveLength(250);
    expect(Object.values(stored.dailyOrders as Record<string, number>).every((n) => n === 1)).toBe(true);
    // Categories 0–9 get 7 orders (i = c, c+40, …, c+240), 10–39 get 6.
    const counts = stored.categoryCounts as Record<string, number>;
    expect(Object.keys(counts)).toHaveLength(40);
    expect(counts['cat-9']).toBe(7);
    expect(counts['cat-10']).toBe(6);
  });
});

describe('npm run import', () => {
  it('imports a file end to end, prints a summary and the refused rows, and writes them as CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-'));
    const file = join(dir, 'orders.csv');
    const ref = unique('cli');
    writeFileSync(
      file,
      `customer_ref,order_id,ordered_at,amount,currency\n${ref},${ref}-1,20240105,12.5,USD\n${ref},${ref}-2,20240106,oops,USD\n`,
    );
    const run = promisify(execFile);
    const cli = (args: string[]) =>
      run('npx', ['tsx', 'infra/local/import-cli.ts', ...args], { env: { ...process.env } }).then(
        (result) => ({ code: 0, ...result }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const ingest = await token('ingest');
    const outcome = await cli([
      'orders',
      file,
      '--create-missing',
      '--api',
      stack.urls.api,
      '--token',
      ingest,
    ]);
    expect(outcome.code).toBe(1); // a row was refused
    expect(outcome.stdout).toMatch(/imported\s+1/);
    expect(outcome.stdout).toMatch(/refused rows\s+1/);
    expect(outcome.stdout).toMatch(/3 amount\s+must be a number/);
    expect(readFileSync(join(dir, 'orders.errors.csv'), 'utf8')).toBe(
      'row,column,reason\n3,amount,must be a number like 12.50\n',
    );
    expect((await loadCustomer(await idOf(ref), true)).totalSpend).toBe(12.5);

    const badHeader = join(dir, 'bad.csv');
    writeFileSync(badHeader, 'customer,order_id\nx,y\n');
    const refused = await cli(['orders', badHeader, '--api', stack.urls.api, '--token', ingest]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('missing columns: customer_ref, ordered_at, amount, currency');
    expect(refused.stderr).toContain('unknown column: customer');
  });
});
