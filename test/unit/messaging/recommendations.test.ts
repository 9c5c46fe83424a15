import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coPurchaseTable,
  MAX_SKUS_PER_CUSTOMER,
  mergePairCounts,
  pairCounts,
  suggestionsFor,
} from '../../../shared/domain/recommendations.js';

// Three customers, counted by hand:
//   c1 bought tea, cups, honey; c2 bought tea, cups; c3 bought tea, honey, lemon.
//   tea–cups 2, tea–honey 2, tea–lemon 1, cups–honey 1, honey–lemon 1.
const BASKETS = [
  ['tea', 'cups', 'honey'],
  ['tea', 'cups', 'cups'],
  ['tea', 'honey', 'lemon'],
];

describe('co-purchase counts', () => {
  it('count each pair once per customer who bought both', () => {
    expect(pairCounts(BASKETS)).toEqual({
      tea: { cups: 2, honey: 2, lemon: 1 },
      cups: { tea: 2, honey: 1 },
      honey: { tea: 2, cups: 1, lemon: 1 },
      lemon: { tea: 1, honey: 1 },
    });
  });

  it('merge shard counts into the counts of the whole population, in any grouping', () => {
    const basket = fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 });
    fc.assert(
      fc.property(fc.array(basket, { maxLength: 30 }), fc.nat(30), fc.nat(30), (customers, cut1, cut2) => {
        const [i, j] = [
          Math.min(cut1, cut2, customers.length),
          Math.min(Math.max(cut1, cut2), customers.length),
        ];
        const shards = [customers.slice(0, i), customers.slice(i, j), customers.slice(j)].map(pairCounts);
        const whole = pairCounts(customers);
        expect(mergePairCounts(...shards)).toEqual(whole);
        expect(mergePairCounts(shards[2] ?? {}, mergePairCounts(shards[1] ?? {}, shards[0] ?? {}))).toEqual(
          whole,
        );
      }),
    );
  });

  it('agree with a naive count over every pair of SKUs', () => {
    const basket = fc.uniqueArray(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e'), { maxLength: 5 });
    fc.assert(
      fc.property(fc.array(basket, { maxLength: 20 }), (customers) => {
        const counts = pairCounts(customers);
        for (const x of ['a', 'b', 'c', 'd', 'e']) {
          for (const y of ['a', 'b', 'c', 'd', 'e']) {
            const naive = x === y ? 0 : customers.filter((c) => c.includes(x) && c.includes(y)).length;
            expect(counts[x]?.[y] ?? 0).toBe(naive);
          }
        }
      }),
    );
  });

  it("ignore a customer's SKUs beyond the first MAX_SKUS_PER_CUSTOMER", () => {
    const many = Array.from({ length: MAX_SKUS_PER_CUSTOMER + 5 }, (_, index) => `s${index}`);
    const counts = pairCounts([many]);
    expect(Object.keys(counts)).toHaveLength(MAX_SKUS_PER_CUSTOMER);
    expect(counts.s0?.[`s${MAX_SKUS_PER_CUSTOMER}`]).toBeUndefined();
  });
});

describe('suggestions', () => {
  const table = coPurchaseTable(pairCounts(BASKETS));

  it("keep each SKU's most co-purchased SKUs, most first, ties by SKU", () => {
    expect(table.tea).toEqual([
      { sku: 'cups', count: 2 },
      { sku: 'honey', count: 2 },
      { sku: 'lemon', count: 1 },
    ]);
    expect(coPurchaseTable(pairCounts(BASKETS), 1).tea).toEqual([{ sku: 'cups', count: 2 }]);
    expect(coPurchaseTable(pairCounts(BASKETS), 10, 2).lemon).toBeUndefined();
  });

  it('suggest what buyers of the same things bought, never what the customer has', () => {
    // Bought tea: cups 2, honey 2, lemon 1.
    expect(suggestionsFor(['tea'], table)).toEqual(['cups', 'honey', 'lemon']);
    // Bought cups and honey: tea 2 + 2 = 4, lemon 0 + 1 = 1.
    expect(suggestionsFor(['cups', 'honey'], table)).toEqual(['tea', 'lemon']);
    expect(suggestionsFor(['tea', 'cups', 'honey', 'lemon'], table)).toEqual([]);
    expect(suggestionsFor(['unknown'], table)).toEqual([]);
    expect(suggestionsFor(['tea'], table, 2)).toEqual(['cups', 'honey']);
  });
});
