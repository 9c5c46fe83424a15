// The business-configurable parts of the nightly segmentation, as one schema with defaults.
// Every field has a default, and an omitted section takes its defaults field by field, so a
// business writes only what it changes: `{ "membership": { "levels": [...] } }`. Objects are
// strict, so a misspelt threshold is an error instead of a silently ignored default.
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';
import type { FieldIssue } from '../errors.js';
import { DEFAULT_LIFECYCLE_THRESHOLDS, type LifecycleThresholds } from './lifecycle.js';
import { checkRfmMap, DEFAULT_RFM_MAP, type RfmMap } from './rfm-segments.js';
import {
  checkMembershipLevels,
  DEFAULT_MEMBERSHIP,
  DEFAULT_TIER_SHARES,
  DEFAULT_VALUE_TIER_METRIC,
  type MembershipLevel,
  type TierShares,
  type ValueTierMetric,
} from './tiers.js';

/** Reports the issues a domain checker finds as zod issues, on the checked value's own path. */
function issuesFrom<T>(check: (value: T) => FieldIssue[]) {
  return z.superRefine<T>((value, ctx) => {
    for (const issue of check(value)) {
      // Checkers name fields from the value's root (`rfmMap.3.fm`): keep the part below it.
      const path = issue.field
        .split('.')
        .slice(1)
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
      ctx.addIssue({ code: 'custom', message: issue.message, input: value, path });
    }
  });
}

// zod/mini carries no message locale, so every check says in words what it expects.
const share = /* @__PURE__ */ lazy(() =>
  z.number().check(z.gte(0, 'must be a share between 0 and 1'), z.lte(1, 'must be a share between 0 and 1')),
);
const days = /* @__PURE__ */ lazy(() => z.number().check(z.gte(0, 'must be a number of days ≥ 0')));
const positive = /* @__PURE__ */ lazy(() => z.number().check(z.positive('must be a number > 0')));
const probability = /* @__PURE__ */ lazy(() =>
  z
    .number()
    .check(
      z.gte(0, 'must be a probability between 0 and 1'),
      z.lte(1, 'must be a probability between 0 and 1'),
    ),
);
const wholeAtLeast = (min: number) =>
  z.int('must be a whole number').check(z.gte(min, `must be a whole number ≥ ${min}`));
const score = /* @__PURE__ */ lazy(() =>
  z
    .int('must be a whole score 1–5')
    .check(z.gte(1, 'must be a whole score 1–5'), z.lte(5, 'must be a whole score 1–5')),
);
const scoreRange = /* @__PURE__ */ lazy(() => z.strictObject({ min: score, max: score }));

export const rfmMapSchema = /* @__PURE__ */ lazy(() =>
  z
    .array(z.strictObject({ segment: z.string(), recency: scoreRange, fm: scoreRange }))
    .check(issuesFrom<RfmMap>((map) => checkRfmMap(map))),
);

export const membershipLevelSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    id: z.string(),
    minSpend: z.number().check(z.gte(0, 'must be a number ≥ 0')),
    minOrders: wholeAtLeast(0),
  }),
);

const membershipLevelsSchema = /* @__PURE__ */ lazy(() =>
  z
    .array(membershipLevelSchema)
    .check(issuesFrom<MembershipLevel[]>((levels) => checkMembershipLevels(levels, 'levels'))),
);

export const valueTierSettingsSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      metric: z._default(z.enum(['monetary', 'clv']), DEFAULT_VALUE_TIER_METRIC),
      high: z._default(share, DEFAULT_TIER_SHARES.high),
      medium: z._default(share, DEFAULT_TIER_SHARES.medium),
    })
    .check(
      z.refine((tiers) => tiers.high + tiers.medium <= 1, {
        message: 'high and medium shares together must not exceed 1',
        path: ['medium'],
      }),
    ),
);

export const membershipSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    windowDays: z._default(wholeAtLeast(1), DEFAULT_MEMBERSHIP.windowDays),
    levels: z._default(membershipLevelsSchema, () =>
      DEFAULT_MEMBERSHIP.levels.map((level) => ({ ...level })),
    ),
  }),
);

const lifecycle = DEFAULT_LIFECYCLE_THRESHOLDS;

export const lifecycleThresholdsSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      newWithinDays: z._default(days, lifecycle.newWithinDays),
      loyalMinOrders: z._default(wholeAtLeast(1), lifecycle.loyalMinOrders),
      atRiskIntervalMultiple: z._default(positive, lifecycle.atRiskIntervalMultiple),
      atRiskMinDays: z._default(days, lifecycle.atRiskMinDays),
      atRiskDefaultDays: z._default(positive, lifecycle.atRiskDefaultDays),
      atRiskPAlive: z._default(probability, lifecycle.atRiskPAlive),
      churnedAfterDays: z._default(positive, lifecycle.churnedAfterDays),
      churnedPAlive: z._default(probability, lifecycle.churnedPAlive),
      reactivatedForDays: z._default(days, lifecycle.reactivatedForDays),
    })
    .check(
      z.refine((t) => t.churnedPAlive <= t.atRiskPAlive, {
        message: 'must not exceed atRiskPAlive: a customer is at risk before churned',
        path: ['churnedPAlive'],
      }),
    ),
);

/** All configurable parts of the segmentation. Parse a business's (partial) settings with it. */
export const segmentationSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    rfmMap: z._default(rfmMapSchema, () => DEFAULT_RFM_MAP.map((rule) => ({ ...rule }))),
    valueTiers: z.prefault(valueTierSettingsSchema, {}),
    membership: z.prefault(membershipSettingsSchema, {}),
    lifecycle: z.prefault(lifecycleThresholdsSchema, {}),
  }),
);

/** Settings as the domain functions take them (every field filled in). */
export type SegmentationSettings = z.output<typeof segmentationSettingsSchema>;
/** Settings as a business writes them (every field optional). */
export type SegmentationSettingsInput = z.input<typeof segmentationSettingsSchema>;

/** The defaults: the settings of a business that configured nothing. */
export const DEFAULT_SEGMENTATION_SETTINGS: SegmentationSettings = /* @__PURE__ */ lazy(() =>
  segmentationSettingsSchema.parse({}),
);

// Compile-time guard: the parsed settings must fit the domain functions' parameter types, so the
// schema and the domain interfaces cannot drift apart.
type Fits<T extends U, U> = T;
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, never used at run time
type SettingsFitDomain = [
  Fits<SegmentationSettings['rfmMap'], RfmMap>,
  Fits<SegmentationSettings['valueTiers'], TierShares & { metric: ValueTierMetric }>,
  Fits<SegmentationSettings['membership'], { windowDays: number; levels: readonly MembershipLevel[] }>,
  Fits<SegmentationSettings['lifecycle'], LifecycleThresholds>,
];
