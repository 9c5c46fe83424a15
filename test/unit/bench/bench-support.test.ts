// The benchmark's own arithmetic: billed item sizes (the cost model starts from them), quantiles,
// the replay of recorded DynamoDB calls with fresh ids, the paced load loop's schedule, and the
// import benchmark's packing of the least any design writes in transactions.
// Expected sizes worked out by hand from the rules in the DynamoDB developer guide ("Item sizes
// and formats").
import { GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { replayer } from '../../../bench/support/dynamo-replay.js';
import { pacedLoop } from '../../../bench/support/loops.js';
import { itemSize } from '../../../bench/support/item-size.js';
import { median, quantile } from '../../../bench/support/stats.js';
import { ordersWithTheirProfiles } from '../../../bench/import.bench.js';

describe('itemSize', () => {
  it('counts names and strings in UTF-8 bytes', () => {
    // "pk" 2 + "CUS#1" 5; "x" 1 + "é" 2
    expect(itemSize({ pk: { S: 'CUS#1' } })).toBe(7);
    expect(itemSize({ x: { S: 'é' } })).toBe(3);
  });

  it('counts a number as one byte per two significant digits plus one', () => {
    // "n" 1 + 12345 (5 digits → 3) + 1
    expect(itemSize({ n: { N: '123.45' } })).toBe(5);
    // leading and trailing zeroes are not significant: 0.0500 → "5" → 1 + 1
    expect(itemSize({ n: { N: '0.0500' } })).toBe(3);
    expect(itemSize({ n: { N: '-7' } })).toBe(3);
  });

  it('counts maps and lists as 3 bytes plus their elements plus 1 byte each', () => {
    // "m" 1 + 3 + ("a" 1 + true 1 + 1) = 7
    expect(itemSize({ m: { M: { a: { BOOL: true } } } })).toBe(7);
    // "l" 1 + 3 + ("xy" 2 + 1) + (null 1 + 1) = 9
    expect(itemSize({ l: { L: [{ S: 'xy' }, { NULL: true }] } })).toBe(9);
    expect(itemSize({ e: { M: {} } })).toBe(4);
  });

  it('adds up every attribute of an item', () => {
    const item = {
      pk: { S: 'CUS#1' },
      n: { N: '123.45' },
      m: { M: { a: { BOOL: true } } },
      l: { L: [{ S: 'xy' }, { NULL: true }] },
    };
    expect(itemSize(item)).toBe(7 + 5 + 7 + 9);
  });
});

describe('quantile', () => {
  it('takes the nearest rank of the sorted samples', () => {
    expect(median([5, 1, 3, 2, 4])).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 1)).toBe(5);
    expect(quantile([5, 1, 3, 2, 4], 0)).toBe(1);
    const hundred = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(quantile(hundred, 0.99)).toBe(99);
    expect(quantile(hundred, 0.5)).toBe(50);
  });

  it('has no quantile of nothing', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('replayer', () => {
  it('rebuilds the recorded commands with fresh values for every token', () => {
    const replay = replayer(
      [
        {
          command: 'GetItemCommand',
          input: JSON.stringify({ TableName: 't', Key: { pk: { S: 'CUS#cus_A' } } }),
        },
        {
          command: 'TransactWriteItemsCommand',
          input: JSON.stringify({
            TransactItems: [
              { Put: { TableName: 't', Item: { pk: { S: 'ORDERID#o.1' }, customer: { S: 'cus_A' } } } },
            ],
          }),
        },
      ],
      ['cus_A', 'o.1'],
    );
    const [get, write] = replay(
      new Map([
        ['cus_A', 'cus_B'],
        ['o.1', 'o.2'],
      ]),
    );
    expect(get).toBeInstanceOf(GetItemCommand);
    expect(get?.input).toEqual({ TableName: 't', Key: { pk: { S: 'CUS#cus_B' } } });
    expect(write).toBeInstanceOf(TransactWriteItemsCommand);
    expect(write?.input).toEqual({
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: { S: 'ORDERID#o.2' }, customer: { S: 'cus_B' } } } },
      ],
    });
  });

  it('treats a token as text, not as a pattern', () => {
    // "o.1" must not match "ox1"
    const replay = replayer(
      [{ command: 'GetItemCommand', input: '{"Key":{"pk":{"S":"ox1|o.1"}}}' }],
      ['o.1'],
    );
    expect(replay(new Map([['o.1', 'N']]))[0]?.input).toEqual({ Key: { pk: { S: 'ox1|N' } } });
  });
});

describe('pacedLoop', () => {
  it('starts operation n no earlier than n / rate seconds in, and none past the duration', async () => {
    const starts: number[] = [];
    const begin = performance.now();
    // 200 a second for 100 ms: slots at 0, 5, …, 95 ms; each operation takes 12 ms, so several overlap.
    const result = await pacedLoop(4, 200, 100, async (n) => {
      starts[n] = performance.now() - begin;
      await new Promise((resolve) => setTimeout(resolve, 12));
    });
    expect(starts).toHaveLength(20);
    for (const [n, at] of starts.entries()) expect(at).toBeGreaterThanOrEqual(n * 5 - 1);
    expect(result.latencies).toHaveLength(20);
    expect(Object.keys(result.failures)).toEqual([]);
  });

  it('counts failed operations by error name, apart from the latencies', async () => {
    const result = await pacedLoop(2, 1000, 5, async (n) => {
      if (n % 2 === 1) throw new RangeError('odd');
    });
    expect(result.failures).toEqual({ RangeError: 2 });
    expect(result.latencies).toHaveLength(3);
  });
});

describe('ordersWithTheirProfiles (the import benchmark: the least any design writes in transactions)', () => {
  const item = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
  const orders = (customer: string, count: number) =>
    Array.from({ length: count }, (_, n) =>
      item(customer, `TL#1997-01-0${1 + (n % 9)}T00:00:00.000Z#order#${customer}-${n}`),
    );
  const items = [
    item('CUSTOMER#heavy', 'PROFILE'),
    ...orders('CUSTOMER#heavy', 150),
    ...Array.from({ length: 60 }, (_, n) => [
      item(`CUSTOMER#c${n}`, 'PROFILE'),
      ...orders(`CUSTOMER#c${n}`, 1 + (n % 3)),
    ]).flat(),
    // Not part of the floor: claims, audit entries, other timeline kinds.
    item('ORDERID#x', 'ORDER'),
    item('EXT#bench-1', 'UNIQUE'),
    item('CUSTOMER#c1', 'TL#1997-01-01T00:00:00.000Z#event#e1'),
  ];
  const transactions = ordersWithTheirProfiles(items, 'PROFILE');

  it('writes every order once, and no item that is not an order or a profile', () => {
    const written = transactions.flat().filter((entry) => entry.sk?.S !== 'PROFILE');
    expect(written).toHaveLength(
      150 + Array.from({ length: 60 }, (_, n) => 1 + (n % 3)).reduce((a, b) => a + b, 0),
    );
    expect(new Set(written.map((entry) => `${entry.pk?.S} ${entry.sk?.S}`)).size).toBe(written.length);
    expect(written.every((entry) => entry.sk?.S?.includes('#order#'))).toBe(true);
  });

  it('keeps each order in the transaction of its customer’s profile, within 100 items a call', () => {
    for (const transaction of transactions) {
      expect(transaction.length).toBeLessThanOrEqual(100);
      const profiles = new Set(
        transaction.filter((entry) => entry.sk?.S === 'PROFILE').map((entry) => entry.pk?.S),
      );
      for (const entry of transaction) expect(profiles.has(entry.pk?.S)).toBe(true);
    }
    // 150 orders of one customer: two transactions, each with the profile.
    const heavy = transactions.filter((transaction) =>
      transaction.some((entry) => entry.pk?.S === 'CUSTOMER#heavy'),
    );
    expect(
      heavy.map(
        (transaction) =>
          transaction.filter((entry) => entry.sk?.S === 'PROFILE' && entry.pk?.S === 'CUSTOMER#heavy').length,
      ),
    ).toEqual([1, 1]);
  });
});
