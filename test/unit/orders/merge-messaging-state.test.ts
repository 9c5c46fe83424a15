// The survivor's messaging state after a merge: never laxer than either profile's, and merging
// again (a retried merge) changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeMessagingStates } from '../../../shared/domain/customer-merge.js';
import type { MessagingState } from '../../../shared/domain/messaging/decision.js';

describe('mergeMessagingStates', () => {
  it('keeps the latest marketing send and win-back, and every win-back of both', () => {
    const survivor: MessagingState = {
      lastMarketingAt: '2038-11-01T04:00:00Z',
      lastWinbackAt: '2038-06-01T04:00:00Z',
      winbackSends: ['2038-03-01T04:00:00Z', '2038-06-01T04:00:00Z'],
    };
    const duplicate: MessagingState = {
      lastMarketingAt: '2038-11-23T12:00:00+08:00', // 04:00Z, later than the survivor's
      lastWinbackAt: '2038-01-05T04:00:00Z',
      winbackSends: ['2038-01-05T04:00:00Z', '2038-06-01T04:00:00Z'],
    };
    expect(mergeMessagingStates(survivor, duplicate)).toEqual({
      lastMarketingAt: '2038-11-23T12:00:00+08:00',
      lastWinbackAt: '2038-06-01T04:00:00Z',
      winbackSends: ['2038-01-05T04:00:00Z', '2038-03-01T04:00:00Z', '2038-06-01T04:00:00Z'],
    });
  });

  it('takes the duplicate state whole when the survivor was never messaged', () => {
    expect(mergeMessagingStates({}, { lastMarketingAt: '2038-11-23T04:00:00Z' })).toEqual({
      lastMarketingAt: '2038-11-23T04:00:00Z',
      winbackSends: [],
    });
  });

  const instant = fc
    .integer({ min: Date.UTC(2030, 0, 1), max: Date.UTC(2040, 0, 1) })
    .map((ms) => new Date(ms).toISOString());
  const state = fc.record(
    {
      lastMarketingAt: instant,
      lastWinbackAt: instant,
      winbackSends: fc.uniqueArray(instant, { maxLength: 5 }),
    },
    { requiredKeys: [] },
  );

  it('is never laxer than either profile, and a repeated merge changes nothing', () => {
    fc.assert(
      fc.property(state, state, (survivor, duplicate) => {
        const merged = mergeMessagingStates(survivor, duplicate);
        for (const side of [survivor, duplicate]) {
          for (const field of ['lastMarketingAt', 'lastWinbackAt'] as const) {
            const value = side[field];
            if (value) expect(Date.parse(merged[field] as string)).toBeGreaterThanOrEqual(Date.parse(value));
          }
          for (const sent of side.winbackSends ?? []) expect(merged.winbackSends).toContain(sent);
        }
        expect(mergeMessagingStates(merged, duplicate)).toEqual(merged);
      }),
    );
  });
});
