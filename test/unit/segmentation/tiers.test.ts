import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptySummary,
  mergeSummaries,
  summarizeValues,
} from '../../../shared/domain/segmentation/quintiles.js';
import {
  checkMembershipLevels,
  checkTierShares,
  DEFAULT_MEMBERSHIP,
  DEFAULT_TIER_SHARES,
  type MembershipLevel,
  membershipFor,
  tierCutPoints,
  trailingSpend,
  valueTierFor,
} from '../../../shared/domain/segmentation/tiers.js';

const CENTS = { resolution: 0.01 };

function tiersOf(values: number[], shares = DEFAULT_TIER_SHARES) {
  const cuts = tierCutPoints(summarizeValues(values, CENTS), shares);
  return values.map((value) => valueTierFor(value, cuts));
}

describe('value tiers', () => {
  it('puts the top 20 % in high and the next 30 % in medium by default', () => {
    // PR = 0.05 … 0.95: medium from PR ≥ 0.5 (6), high from PR ≥ 0.8 (9).
    expect(tiersOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual([
      'low',
      'low',
      'low',
      'low',
      'low',
      'medium',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('keeps tied customers in one tier', () => {
    // PR(0) = 0.3 → low, PR(100) = 0.65 → medium, PR(200) = 0.75 → medium, PR(300) = 0.85, PR(400) = 0.95 → high
    expect(tiersOf([0, 0, 0, 0, 0, 0, 100, 200, 300, 400])).toEqual([
      'low',
      'low',
      'low',
      'low',
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
    ]);
  });

  it('follows configured shares', () => {
    // high 10 %, medium 20 %: boundaries at PR 0.7 and 0.9.
    expect(tiersOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { high: 0.1, medium: 0.2 })).toEqual([
      'low',
      'low',
      'low',
      'low',
      'low',
      'low',
      'low',
      'medium',
      'medium',
      'high',
    ]);
  });

  it('puts everyone in medium or high when the shares add up to 1', () => {
    expect(new Set(tiersOf([1, 2, 3, 4, 5], { high: 0.4, medium: 0.6 }))).toEqual(
      new Set(['medium', 'high']),
    );
  });

  it('computes the tiers from merged shard summaries', () => {
    const whole = tierCutPoints(summarizeValues([5, 1, 9, 3, 7, 2, 8, 4, 6, 10], CENTS));
    const merged = tierCutPoints(
      [
        [5, 1, 9],
        [3, 7],
        [2, 8, 4, 6, 10],
      ]
        .map((shard) => summarizeValues(shard, CENTS))
        .reduce(mergeSummaries, emptySummary(CENTS)),
    );
    expect(merged).toEqual(whole);
    expect(whole.values).toEqual([6, 9]);
  });

  it.each([
    { shares: { high: 0.6, medium: 0.5 }, field: 'valueTiers' },
    { shares: { high: -0.1, medium: 0.3 }, field: 'valueTiers.high' },
    { shares: { high: 0.2, medium: 1.5 }, field: 'valueTiers.medium' },
  ])('rejects the shares $shares', ({ shares, field }) => {
    expect(checkTierShares(shares).map((issue) => issue.field)).toEqual([field]);
    expect(() => tierCutPoints(summarizeValues([1], CENTS), shares)).toThrow(RangeError);
  });

  it('a higher value never gets a lower tier, and distinct values fill the tiers to within one customer', () => {
    const rank = { low: 0, medium: 1, high: 2 };
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 200 }),
        (cents) => {
          const values = cents.map((c) => c / 100);
          const tiers = tiersOf(values);
          const sorted = values
            .map((value, i) => [value, rank[tiers[i] ?? 'low']] as const)
            .sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < sorted.length; i++)
            expect(sorted[i]?.[1]).toBeGreaterThanOrEqual(sorted[i - 1]?.[1] ?? 0);
          const high = tiers.filter((t) => t === 'high').length;
          const medium = tiers.filter((t) => t === 'medium').length;
          expect(Math.abs(high - 0.2 * values.length)).toBeLessThanOrEqual(1);
          expect(Math.abs(medium - 0.3 * values.length)).toBeLessThanOrEqual(1.5);
        },
      ),
    );
  });
});

describe('membership levels', () => {
  const levels = DEFAULT_MEMBERSHIP.levels;

  it('defaults to green from the first order and gold from 500 in the trailing 365 days', () => {
    expect(DEFAULT_MEMBERSHIP).toEqual({
      windowDays: 365,
      levels: [
        { id: 'green', minSpend: 0, minOrders: 1 },
        { id: 'gold', minSpend: 500, minOrders: 1 },
      ],
    });
  });

  it.each([
    { spend: 0, orders: 0, level: null },
    { spend: 600, orders: 0, level: null },
    { spend: 0, orders: 1, level: 'green' },
    { spend: 499.99, orders: 3, level: 'green' },
    { spend: 500, orders: 1, level: 'gold' },
    { spend: 12_000, orders: 40, level: 'gold' },
    { spend: -20, orders: 2, level: 'green' },
  ])('trailing spend $spend with $orders orders → $level', ({ spend, orders, level }) => {
    expect(membershipFor(spend, levels, orders)).toBe(level);
  });

  const threeLevels: MembershipLevel[] = [
    { id: 'bronze', minSpend: 0, minOrders: 1 },
    { id: 'silver', minSpend: 200, minOrders: 2 },
    { id: 'gold', minSpend: 1000, minOrders: 5 },
  ];

  it.each([
    { spend: 150, orders: 9, level: 'bronze' },
    { spend: 200, orders: 1, level: 'bronze' },
    { spend: 200, orders: 2, level: 'silver' },
    { spend: 1500, orders: 3, level: 'silver' },
    { spend: 1000, orders: 5, level: 'gold' },
  ])('with configured levels, $spend over $orders orders → $level', ({ spend, orders, level }) => {
    expect(checkMembershipLevels(threeLevels)).toEqual([]);
    expect(membershipFor(spend, threeLevels, orders)).toBe(level);
  });

  it('never lowers the level when the spend or the order count grows', () => {
    const index = (id: string | null) => (id === null ? -1 : threeLevels.findIndex((l) => l.id === id));
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.nat(10),
        fc.nat(10),
        (spend, more, orders, moreOrders) => {
          expect(index(membershipFor(spend + more, threeLevels, orders + moreOrders))).toBeGreaterThanOrEqual(
            index(membershipFor(spend, threeLevels, orders)),
          );
        },
      ),
    );
  });

  it.each([
    { name: 'no levels', levels: [], field: 'membership.levels', message: 'must list at least one level' },
    {
      name: 'levels out of order',
      levels: [
        { id: 'gold', minSpend: 500, minOrders: 1 },
        { id: 'green', minSpend: 0, minOrders: 1 },
      ],
      field: 'membership.levels.1',
      message: 'must be harder to reach than "gold": list levels from lowest to highest',
    },
    {
      name: 'two levels with the same thresholds',
      levels: [
        { id: 'a', minSpend: 0, minOrders: 1 },
        { id: 'b', minSpend: 0, minOrders: 1 },
      ],
      field: 'membership.levels.1',
      message: 'must be harder to reach than "a": list levels from lowest to highest',
    },
    {
      name: 'a duplicate id',
      levels: [
        { id: 'gold', minSpend: 0, minOrders: 1 },
        { id: 'gold', minSpend: 10, minOrders: 1 },
      ],
      field: 'membership.levels.1.id',
      message: 'duplicate level id "gold"',
    },
    {
      name: 'a negative spend',
      levels: [{ id: 'green', minSpend: -1, minOrders: 1 }],
      field: 'membership.levels.0.minSpend',
      message: 'must be a number ≥ 0',
    },
    {
      name: 'a fractional order count',
      levels: [{ id: 'green', minSpend: 0, minOrders: 1.5 }],
      field: 'membership.levels.0.minOrders',
      message: 'must be a whole number ≥ 0',
    },
    {
      name: 'an id that is not plain',
      levels: [{ id: 'Gold Level', minSpend: 0, minOrders: 1 }],
      field: 'membership.levels.0.id',
      message: 'must be 1–40 lowercase letters, digits or _, e.g. gold',
    },
  ])('rejects $name', ({ levels: bad, field, message }) => {
    expect(checkMembershipLevels(bad)).toEqual([{ field, message }]);
  });
});

describe('trailing spend', () => {
  const asOf = '2024-07-01T00:00:00Z';

  it('sums the orders of the window, including its first instant and excluding later orders', () => {
    const orders = [
      { at: '2023-07-02T00:00:00Z', amount: 100 }, // exactly 365 days before: in
      { at: '2023-07-01T23:59:59Z', amount: 1000 }, // just before the window: out
      { at: '2024-03-15T10:00:00Z', amount: 0.1 },
      { at: '2024-06-30T18:00:00Z', amount: 0.2 },
      { at: '2024-07-01T00:00:01Z', amount: 50 }, // after as-of: out
    ];
    expect(trailingSpend(orders, asOf, 365)).toBe(100.3);
  });

  it('nets refunds', () => {
    expect(
      trailingSpend(
        [
          { at: '2024-05-01', amount: 80 },
          { at: '2024-05-03', amount: -30 },
        ],
        asOf,
        365,
      ),
    ).toBe(50);
  });

  it('rejects a date that does not parse', () => {
    expect(() => trailingSpend([{ at: 'yesterday', amount: 1 }], asOf, 365)).toThrow(/ISO 8601/);
  });
});
