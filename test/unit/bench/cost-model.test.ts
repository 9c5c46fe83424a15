// The nightly cost model, on numbers worked out by hand (prices: us-east-1 on-demand).
import { describe, expect, it } from 'vitest';
import { nightlyCostPerMillion } from '../../../bench/support/cost-model.js';

describe('nightlyCostPerMillion', () => {
  const measured = {
    customers: 1000,
    meanProfileBytes: 2048,
    meanIndexesPerProfile: 4,
    written: 200,
    lifecycleChanges: 10,
    winbackTransitions: 5,
    events: 20,
    gbSeconds: 3,
    invocations: 10,
    scansPerNight: 2,
  };
  const cost = nightlyCostPerMillion(measured, { emailConsent: 0.6, birthdayKnown: 0.5 });

  it('bills two eventually consistent Scans of every profile in 4 KB units at half price', () => {
    // 2 × 1,000,000 × 2 KB / 4 KB / 2 = 500,000 read units × $0.125 per million
    expect(cost.reads.quantity).toBe(500_000);
    expect(cost.reads.dollars).toBeCloseTo(0.0625, 10);
  });

  it('bills every rewritten profile in the table and in each index it appears in', () => {
    // (200 rewritten + 10 outbox clears) × 1,000 = 210,000 writes × 2 KB × (1 table + 4 indexes)
    expect(cost.writes.quantity).toBe(2_100_000);
    expect(cost.writes.dollars).toBeCloseTo(1.3125, 10);
  });

  it('scales function time, events and emails to a million customers', () => {
    // 3 GB-s × 1,000 = 3,000 GB-s × $0.0000133334 + 10,000 requests × $0.20 per million
    expect(cost.lambda.quantity).toBe(3000);
    expect(cost.lambda.dollars).toBeCloseTo(0.0400002 + 0.002, 10);
    expect(cost.events.quantity).toBe(20_000);
    expect(cost.events.dollars).toBeCloseTo(0.02, 10);
    // birthdays: 1,000,000 × 0.5 × 0.6 / 365 = 821.92; win-backs: 5 × 1,000 × 0.6 = 3,000
    expect(cost.emails.quantity).toBeCloseTo(821.9178 + 3000, 3);
    expect(cost.emails.dollars).toBeCloseTo(0.38219, 5);
  });

  it('adds the lines up', () => {
    expect(cost.total).toBeCloseTo(0.0625 + 1.3125 + 0.0420002 + 0.02 + 0.38219178, 6);
  });

  it('rounds a profile write up to whole kilobytes', () => {
    const bigger = nightlyCostPerMillion({ ...measured, meanProfileBytes: 2049, meanIndexesPerProfile: 0 });
    expect(bigger.writes.quantity).toBe(210_000 * 3);
  });
});
