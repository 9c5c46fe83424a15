import { describe, expect, it } from 'vitest';
import {
  countTransactionsInPeriod,
  dayNumber,
  parseCdnowLog,
  summarize,
  type Transaction,
} from '../../../shared/domain/analytics/cdnow.js';
import {
  CALIBRATION_END,
  cdnowPublishedSummary,
  cdnowSummaries,
  cdnowTransactions,
  HOLDOUT_END,
} from './cdnow-data.js';

const purchase = (customerId: string, date: string, amount: number): Transaction => ({
  customerId,
  date,
  amount,
});

describe('summarize', () => {
  const log = [
    purchase('a', '2024-01-01', 10),
    purchase('a', '2024-01-01', 5), // same day as the birth: part of the first transaction
    purchase('a', '2024-01-08', 20),
    purchase('a', '2024-01-15', 7),
    purchase('a', '2024-01-15', 3), // same day: one repeat transaction worth 10
    purchase('a', '2024-02-01', 100), // after the calibration end: ignored
    purchase('b', '2024-01-29', 42), // born 3 days before the end, no repeat
    purchase('c', '2024-02-02', 9), // born after the end: not a customer yet
  ];
  const [a, b, ...rest] = summarize(log, '2024-01-31');

  it('merges same-day purchases and does not count the first transaction', () => {
    expect(a).toMatchObject({ customerId: 'a', birth: '2024-01-01', x: 2, firstAmount: 15 });
  });

  it('measures t_x and T in weeks from the first purchase', () => {
    expect(a?.tx).toBeCloseTo(14 / 7, 12);
    expect(a?.T).toBeCloseTo(30 / 7, 12);
    expect(b).toMatchObject({ customerId: 'b', x: 0, tx: 0, zbar: 0, firstAmount: 42 });
    expect(b?.T).toBeCloseTo(2 / 7, 12);
  });

  it('takes zbar as the mean of the repeat transactions only', () => {
    expect(a?.zbar).toBeCloseTo((20 + 10) / 2, 12);
  });

  it('leaves out customers whose first purchase is after the calibration end', () => {
    expect(rest).toEqual([]);
  });

  it('uses the unit it is given', () => {
    const [inDays] = summarize(log, '2024-01-31', 1);
    expect(inDays).toMatchObject({ x: 2, tx: 14, T: 30 });
  });

  it('counts a purchase on the calibration end day', () => {
    const [customer] = summarize(
      [purchase('a', '2024-01-01', 1), purchase('a', '2024-01-31', 2)],
      '2024-01-31',
    );
    expect(customer).toMatchObject({ x: 1, zbar: 2 });
  });

  it('rejects dates that are not calendar days', () => {
    expect(() => summarize([purchase('a', '1997-02-30', 1)], '1997-09-30')).toThrow(RangeError);
    expect(() => summarize([purchase('a', '19970201', 1)], '1997-09-30')).toThrow(RangeError);
    expect(() => summarize([purchase('a', '1997-02-01', Number.NaN)], '1997-09-30')).toThrow(RangeError);
  });
});

describe('dayNumber', () => {
  it.each([
    ['1970-01-01', 0],
    ['1997-01-01', 9862],
    ['1997-09-30', 9869 + 265],
    ['2000-02-29', 11016],
  ])('%s is day %i', (date, day) => {
    expect(dayNumber(date)).toBe(day);
  });
});

describe('countTransactionsInPeriod', () => {
  it('counts distinct purchase days in (after, through]', () => {
    const log = [
      purchase('a', '2024-01-31', 1),
      purchase('a', '2024-02-01', 1),
      purchase('a', '2024-02-01', 1),
      purchase('a', '2024-03-01', 1),
      purchase('a', '2024-03-02', 1),
      purchase('b', '2024-01-05', 1),
    ];
    expect(countTransactionsInPeriod(log, '2024-01-31', '2024-03-01')).toEqual(new Map([['a', 2]]));
  });
});

describe('parseCdnowLog', () => {
  it('reads the whitespace-separated CDNOW format, keyed by sample id', () => {
    expect(parseCdnowLog(' 00004 0001 19970101  2   29.33\r\n\n 00021 0002 19970101  3   63.34\n')).toEqual([
      { customerId: '1', date: '1997-01-01', amount: 29.33 },
      { customerId: '2', date: '1997-01-01', amount: 63.34 },
    ]);
  });

  it('names the malformed line', () => {
    expect(() => parseCdnowLog(' 00004 0001 19970101  2   29.33\n 00004 0001 1997-01-01 2 1\n')).toThrow(
      /line 2/,
    );
  });
});

describe('the CDNOW sample', () => {
  it('has 6,919 purchase lines and 2,357 customers, 946 of them with repeat purchases', () => {
    expect(cdnowTransactions()).toHaveLength(6919);
    expect(cdnowSummaries()).toHaveLength(2357);
    expect(cdnowSummaries().filter((s) => s.x > 0)).toHaveLength(946);
  });

  it('rebuilds the published summary CSV to its 2 decimals, customer by customer', () => {
    const built = new Map(cdnowSummaries().map((s) => [s.customerId, s]));
    const published = cdnowPublishedSummary();
    expect(published).toHaveLength(2357);
    const halfCent = 0.005 + 1e-9;
    const mismatches = published.filter((row) => {
      const summary = built.get(row.customerId);
      return (
        summary === undefined ||
        summary.x !== row.x ||
        Math.abs(summary.tx - row.tx) > halfCent ||
        Math.abs(summary.T - row.T) > halfCent ||
        Math.abs(summary.zbar - row.zbar) > halfCent
      );
    });
    expect(mismatches).toEqual([]);
  });

  it('has customer 1 as the README describes it', () => {
    const [first] = cdnowSummaries();
    expect(first).toMatchObject({ customerId: '1', x: 2, birth: '1997-01-01' });
    expect(first?.tx).toBeCloseTo(30.43, 2);
    expect(first?.T).toBeCloseTo(38.86, 2);
  });

  it('has 1,882 repeat purchases in the 39-week holdout', () => {
    const holdout = countTransactionsInPeriod(cdnowTransactions(), CALIBRATION_END, HOLDOUT_END);
    expect([...holdout.values()].reduce((sum, n) => sum + n, 0)).toBe(1882);
  });
});
