// The nightly cost model, on numbers worked out by hand (prices: us-east-1 on-demand).
import { describe, expect, it } from 'vitest';
import { nightlyCostPerMillion } from '../../../bench/support/cost-model.js';

describe('nightlyCostPerMillion', () => {
  const measured = {
    customers: 1000,
    meanProfileBytes: 2048,
    meanScoresBytes: 600,
    indexEntryWrites: 30,
    written: 200,
    lifecycleChanges: 10,
    winbackTransitions: 5,
    events: 20,
    gbSeconds: 3,
    invocations: 10,
    scansPerNight: 1,
  };
  const cost = nightlyCostPerMillion(measured, { emailConsent: 0.6, birthdayKnown: 0.5 });

  it('bills one eventually consistent Scan of the profiles, and consistent reads of scores and written profiles', () => {
    // Scan: 1,000,000 × 2 KB / 4 KB / 2 = 250,000; scores items: 1,000,000 × 1 unit;
    // existence checks of the written: 200 × 1,000 × 1 unit = 200,000 → 1,450,000 × $0.125 per million
    expect(cost.reads.quantity).toBe(1_450_000);
    expect(cost.reads.dollars).toBeCloseTo(0.18125, 10);
  });

  it('bills every rewritten scores item, an index entry only when its key changed, and the change records', () => {
    // (200 rewritten + 10 outbox clears) × 1,000 = 210,000 writes × 1 KB
    // + 30 index entries × 1,000 × 1 unit + 10,000 change records × 1 unit = 250,000
    expect(cost.writes.quantity).toBe(250_000);
    expect(cost.writes.dollars).toBeCloseTo(0.15625, 10);
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
    expect(cost.total).toBeCloseTo(0.18125 + 0.15625 + 0.0420002 + 0.02 + 0.38219178, 6);
  });

  it('rounds a scores write up to whole kilobytes', () => {
    const bigger = nightlyCostPerMillion({ ...measured, meanScoresBytes: 2049, indexEntryWrites: 0 });
    expect(bigger.writes.quantity).toBe(210_000 * 3 + 10_000);
  });
});
