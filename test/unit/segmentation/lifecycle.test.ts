import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  atRiskAfterDays,
  DEFAULT_LIFECYCLE_THRESHOLDS,
  LIFECYCLE_STAGES,
  type LifecycleInput,
  type LifecycleStage,
  lifecycleChange,
  lifecycleStageFor,
} from '../../../shared/domain/segmentation/lifecycle.js';

const AS_OF = '2024-07-01';
const DAY = 86_400_000;

/** The date `days` days before AS_OF. */
const daysAgo = (days: number) => new Date(Date.parse(AS_OF) - days * DAY).toISOString();

interface Case {
  name: string;
  input: Partial<LifecycleInput>;
  expected: LifecycleStage;
}

const base: LifecycleInput = {
  asOf: AS_OF,
  firstOrderAt: null,
  lastOrderAt: null,
  orderCount: 0,
  previousStage: null,
};

/** `count` orders, the first `first` days ago and the last `last` days ago. */
const orders = (count: number, first: number, last = first) => ({
  orderCount: count,
  firstOrderAt: daysAgo(first),
  lastOrderAt: daysAgo(last),
});

describe('lifecycle stages', () => {
  const cases: Case[] = [
    { name: 'no order yet is a prospect', input: {}, expected: 'prospect' },
    { name: 'a first order 10 days ago is new', input: orders(1, 10), expected: 'new' },
    { name: 'a first order exactly 30 days ago is still new', input: orders(1, 30), expected: 'new' },
    { name: 'one order 31 days ago is active', input: orders(1, 31), expected: 'active' },
    { name: 'four orders within the first month are still new', input: orders(4, 20, 1), expected: 'new' },
    {
      name: 'one order 90 days ago is still active (at risk after 90 days without an interval)',
      input: orders(1, 90),
      expected: 'active',
    },
    { name: 'one order 91 days ago is at risk', input: orders(1, 91), expected: 'at_risk' },
    {
      name: 'one order 180 days ago is at risk, not yet churned',
      input: orders(1, 180),
      expected: 'at_risk',
    },
    { name: 'one order 181 days ago is churned', input: orders(1, 181), expected: 'churned' },
    // 5 orders over 290 days: mean interval 72.5 days, at risk after 145.
    { name: 'five orders, the last 10 days ago, is loyal', input: orders(5, 300, 10), expected: 'loyal' },
    // 5 orders over 200 days: mean interval 50, at risk after 100 days of silence.
    {
      name: 'five orders, the last exactly 2 intervals ago, is still loyal',
      input: orders(5, 300, 100),
      expected: 'loyal',
    },
    {
      name: 'five orders, the last just over 2 intervals ago, is at risk',
      input: orders(5, 300, 101),
      expected: 'at_risk',
    },
    // 5 orders over 150 days: mean interval 37.5, at risk after 75.
    {
      name: 'a loyal customer silent for twice their interval moves back to at risk',
      input: { ...orders(5, 300, 150), previousStage: 'loyal' },
      expected: 'at_risk',
    },
    // 2 orders 10 days apart: 2 × 10 = 20 < the 30-day floor.
    { name: 'the at-risk floor protects a quick second order', input: orders(2, 35, 25), expected: 'active' },
    { name: 'past the floor a quick buyer is at risk', input: orders(2, 60, 50), expected: 'at_risk' },
    {
      name: 'a yearly buyer is churned after 180 days even though 2× their interval is longer',
      input: orders(3, 900, 200),
      expected: 'churned',
    },
    {
      name: 'P(alive) below 0.5 is at risk despite a recent order',
      input: { ...orders(3, 200, 5), pAlive: 0.4 },
      expected: 'at_risk',
    },
    {
      name: 'P(alive) below 0.2 is churned',
      input: { ...orders(3, 200, 5), pAlive: 0.1 },
      expected: 'churned',
    },
    {
      name: 'P(alive) of exactly 0.5 is not at risk',
      input: { ...orders(3, 200, 5), pAlive: 0.5 },
      expected: 'active',
    },
    {
      name: 'without a model the days decide',
      input: { ...orders(3, 200, 5), pAlive: null },
      expected: 'active',
    },
    {
      name: 'a churned customer who ordered again is reactivated',
      input: { ...orders(3, 400, 5), previousStage: 'churned' },
      expected: 'reactivated',
    },
    {
      name: 'an at-risk customer who ordered after becoming at risk is reactivated',
      input: {
        ...orders(2, 180, 11),
        previousStage: 'at_risk',
        previousStageSince: daysAgo(30),
        pAlive: 0.9,
      },
      expected: 'reactivated',
    },
    {
      name: 'an at-risk customer lifted by the model without a new order is not reactivated',
      input: {
        ...orders(2, 180, 42),
        previousStage: 'at_risk',
        previousStageSince: daysAgo(30),
        pAlive: 0.6,
      },
      expected: 'active',
    },
    {
      name: 'reactivated lasts while within 30 days of the reactivation',
      input: { ...orders(4, 400, 11), previousStage: 'reactivated', previousStageSince: daysAgo(11) },
      expected: 'reactivated',
    },
    {
      name: 'reactivated moves on to loyal after 30 days',
      input: { ...orders(4, 400, 20), previousStage: 'reactivated', previousStageSince: daysAgo(30) },
      expected: 'loyal',
    },
    {
      name: 'reactivated moves on to active when its start is unknown',
      input: { ...orders(3, 400, 5), previousStage: 'reactivated', previousStageSince: null },
      expected: 'active',
    },
    {
      name: 'a reactivated customer who goes quiet again is at risk',
      input: {
        ...orders(3, 400, 100),
        previousStage: 'reactivated',
        previousStageSince: daysAgo(100),
        pAlive: 0.3,
      },
      expected: 'at_risk',
    },
    {
      name: 'a customer churned by the model moves back to at risk when only the days count',
      input: { ...orders(1, 150), previousStage: 'churned' },
      expected: 'at_risk',
    },
    {
      name: 'a new customer becomes active',
      input: { ...orders(1, 40), previousStage: 'new' },
      expected: 'active',
    },
    {
      name: 'an active customer with a fourth order becomes loyal',
      input: { ...orders(4, 200, 2), previousStage: 'active' },
      expected: 'loyal',
    },
    {
      name: 'a loyal customer whose orders were erased moves back to prospect',
      input: { orderCount: 0, previousStage: 'loyal' },
      expected: 'prospect',
    },
    {
      name: 'an order stamped after the as-of date counts as today',
      input: { ...orders(1, 10), lastOrderAt: '2024-07-02T09:00:00Z' },
      expected: 'new',
    },
  ];

  it.each(cases)('$name', ({ input, expected }) => {
    expect(lifecycleStageFor({ ...base, ...input })).toBe(expected);
  });

  it('follows configured thresholds', () => {
    const thresholds = {
      ...DEFAULT_LIFECYCLE_THRESHOLDS,
      churnedAfterDays: 60,
      newWithinDays: 7,
      loyalMinOrders: 2,
    };
    expect(lifecycleStageFor({ ...base, ...orders(1, 61) }, thresholds)).toBe('churned');
    expect(lifecycleStageFor({ ...base, ...orders(1, 8) }, thresholds)).toBe('active');
    expect(lifecycleStageFor({ ...base, ...orders(2, 40, 8) }, thresholds)).toBe('loyal');
  });

  it.each([
    { name: 'a negative order count', input: { orderCount: -1 }, message: /orderCount/ },
    { name: 'a fractional order count', input: { orderCount: 1.5 }, message: /orderCount/ },
    { name: 'orders without dates', input: { orderCount: 2 }, message: /needs firstOrderAt and lastOrderAt/ },
    {
      name: 'a date that does not parse',
      input: { ...orders(1, 5), lastOrderAt: 'last week' },
      message: /lastOrderAt/,
    },
    {
      name: 'an as-of that does not parse',
      input: { ...orders(1, 5), asOf: '07/01/2024x' },
      message: /asOf/,
    },
  ])('rejects $name', ({ input, message }) => {
    expect(() => lifecycleStageFor({ ...base, ...input })).toThrow(message);
  });

  it('always returns one of the seven stages, prospect exactly when there is no order (property)', () => {
    const stage = fc.constantFrom<LifecycleStage | null>(null, ...LIFECYCLE_STAGES);
    fc.assert(
      fc.property(
        fc.nat(20),
        fc.nat(1000),
        fc.nat(1000),
        stage,
        fc.option(fc.nat(400)),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        (count, a, b, previousStage, since, pAlive) => {
          const first = Math.max(a, b);
          const last = Math.min(a, b);
          const input: LifecycleInput = {
            ...base,
            ...(count > 0 ? orders(count, first, last) : {}),
            orderCount: count,
            previousStage,
            previousStageSince: since === null ? null : daysAgo(since),
            pAlive,
          };
          const result = lifecycleStageFor(input);
          expect(LIFECYCLE_STAGES).toContain(result);
          expect(result === 'prospect').toBe(count === 0);
          if (count > 0 && pAlive !== null && pAlive < 0.2) expect(result).toBe('churned');
          if (count > 0 && last > 180) expect(result).toBe('churned');
          if (result === 'reactivated')
            expect(['at_risk', 'churned', 'reactivated']).toContain(previousStage);
        },
      ),
    );
  });
});

describe('the at-risk threshold', () => {
  it.each([
    { name: 'one order: the default', count: 1, first: 50, last: 50, expected: 90 },
    { name: 'two orders 100 days apart: twice the interval', count: 2, first: 150, last: 50, expected: 200 },
    { name: 'five orders over 290 days', count: 5, first: 300, last: 10, expected: 145 },
    { name: 'orders on one day: the floor', count: 3, first: 5, last: 5, expected: 30 },
  ])('$name → $expected days', ({ count, first, last, expected }) => {
    expect(atRiskAfterDays(daysAgo(first), daysAgo(last), count)).toBe(expected);
  });
});

describe('lifecycle changes', () => {
  it.each([
    { prev: 'active', next: 'active', expected: null },
    { prev: 'loyal', next: 'at_risk', expected: { from: 'loyal', to: 'at_risk', asOf: AS_OF } },
    { prev: 'churned', next: 'reactivated', expected: { from: 'churned', to: 'reactivated', asOf: AS_OF } },
    { prev: 'reactivated', next: 'active', expected: { from: 'reactivated', to: 'active', asOf: AS_OF } },
    { prev: null, next: 'prospect', expected: { from: null, to: 'prospect', asOf: AS_OF } },
  ] as const)('$prev → $next', ({ prev, next, expected }) => {
    expect(lifecycleChange(prev, next, AS_OF)).toEqual(expected);
  });
});
