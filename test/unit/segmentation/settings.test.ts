import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIFECYCLE_THRESHOLDS,
  lifecycleStageFor,
} from '../../../shared/domain/segmentation/lifecycle.js';
import { DEFAULT_RFM_MAP, segmentFor } from '../../../shared/domain/segmentation/rfm-segments.js';
import {
  DEFAULT_SEGMENTATION_SETTINGS,
  type SegmentationSettingsInput,
  segmentationSettingsSchema,
} from '../../../shared/domain/segmentation/settings.js';
import { DEFAULT_MEMBERSHIP, membershipFor } from '../../../shared/domain/segmentation/tiers.js';

/** The zod issues of a failed parse as `path: message` (unknown keys as `path.key: unknown field`). */
function issuesOf(input: unknown): string[] {
  const result = segmentationSettingsSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${[...issue.path, key].join('.')}: unknown field`)
      : [`${issue.path.join('.')}: ${issue.message}`],
  );
}

describe('segmentation settings', () => {
  it('defaults to the module defaults', () => {
    expect(DEFAULT_SEGMENTATION_SETTINGS).toEqual({
      rfmMap: DEFAULT_RFM_MAP,
      valueTiers: { metric: 'monetary', high: 0.2, medium: 0.3 },
      membership: DEFAULT_MEMBERSHIP,
      lifecycle: DEFAULT_LIFECYCLE_THRESHOLDS,
    });
    expect(segmentationSettingsSchema.parse({})).toEqual(DEFAULT_SEGMENTATION_SETTINGS);
  });

  it('fills in what a business leaves out, field by field', () => {
    const settings = segmentationSettingsSchema.parse({
      lifecycle: { churnedAfterDays: 120 },
      membership: { windowDays: 180 },
      valueTiers: { metric: 'clv' },
    } satisfies SegmentationSettingsInput);
    expect(settings.lifecycle).toEqual({ ...DEFAULT_LIFECYCLE_THRESHOLDS, churnedAfterDays: 120 });
    expect(settings.membership).toEqual({ windowDays: 180, levels: DEFAULT_MEMBERSHIP.levels });
    expect(settings.valueTiers).toEqual({ metric: 'clv', high: 0.2, medium: 0.3 });
    expect(settings.rfmMap).toEqual(DEFAULT_RFM_MAP);
  });

  it('drives the domain functions', () => {
    const settings = segmentationSettingsSchema.parse({
      rfmMap: [
        { segment: 'recent', recency: { min: 3, max: 5 }, fm: { min: 1, max: 5 } },
        { segment: 'lapsed', recency: { min: 1, max: 2 }, fm: { min: 1, max: 5 } },
      ],
      membership: {
        levels: [
          { id: 'member', minSpend: 0, minOrders: 1 },
          { id: 'vip', minSpend: 2000, minOrders: 3 },
        ],
      },
      lifecycle: { churnedAfterDays: 60 },
    });
    expect(segmentFor(4, 1, 1, settings.rfmMap)).toBe('recent');
    expect(membershipFor(2500, settings.membership.levels, 3)).toBe('vip');
    expect(
      lifecycleStageFor(
        {
          asOf: '2024-07-01',
          firstOrderAt: '2024-04-01',
          lastOrderAt: '2024-04-01',
          orderCount: 1,
          previousStage: 'active',
        },
        settings.lifecycle,
      ),
    ).toBe('churned');
  });

  it.each([
    {
      name: 'a misspelt threshold',
      input: { lifecycle: { churnAfterDays: 90 } },
      issue: 'lifecycle.churnAfterDays: unknown field',
    },
    {
      name: 'an RFM map with a gap',
      input: { rfmMap: [{ segment: 'all', recency: { min: 1, max: 5 }, fm: { min: 1, max: 4 } }] },
      issue:
        'rfmMap: every R × FM cell needs a segment; not covered: R=1 FM=5, R=2 FM=5, R=3 FM=5, R=4 FM=5, R=5 FM=5',
    },
    {
      name: 'an RFM map with a bad segment id',
      input: {
        rfmMap: [{ segment: 'All Customers', recency: { min: 1, max: 5 }, fm: { min: 1, max: 5 } }],
      },
      issue: 'rfmMap.0.segment: must be 1–40 lowercase letters, digits or _, e.g. at_risk',
    },
    {
      name: 'membership levels out of order',
      input: {
        membership: {
          levels: [
            { id: 'gold', minSpend: 500, minOrders: 1 },
            { id: 'green', minSpend: 0, minOrders: 1 },
          ],
        },
      },
      issue: 'membership.levels.1: must be harder to reach than "gold": list levels from lowest to highest',
    },
    {
      name: 'tier shares above 1',
      input: { valueTiers: { high: 0.6, medium: 0.5 } },
      issue: 'valueTiers.medium: high and medium shares together must not exceed 1',
    },
    {
      name: 'a churn probability threshold above the at-risk one',
      input: { lifecycle: { churnedPAlive: 0.7 } },
      issue: 'lifecycle.churnedPAlive: must not exceed atRiskPAlive: a customer is at risk before churned',
    },
    {
      name: 'a window of zero days',
      input: { membership: { windowDays: 0 } },
      issue: 'membership.windowDays: must be a whole number ≥ 1',
    },
    {
      name: 'a fractional score in an RFM range',
      input: { rfmMap: [{ segment: 'all', recency: { min: 1, max: 4.5 }, fm: { min: 1, max: 5 } }] },
      issue: 'rfmMap.0.recency.max: must be a whole score 1–5',
    },
    {
      name: 'a share out of range',
      input: { valueTiers: { high: 1.2 } },
      issue: 'valueTiers.high: must be a share between 0 and 1',
    },
  ])('rejects $name, naming the field', ({ input, issue }) => {
    expect(issuesOf(input)).toContain(issue);
  });

  it('does not share the default map object with callers', () => {
    const settings = segmentationSettingsSchema.parse({});
    expect(settings.rfmMap).not.toBe(DEFAULT_RFM_MAP);
    expect(settings.membership.levels).not.toBe(DEFAULT_MEMBERSHIP.levels);
  });
});
