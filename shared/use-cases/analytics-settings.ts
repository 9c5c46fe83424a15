// The nightly analytics' settings sections: `analytics` (shards, model knobs, CLV) and
// `segmentation` (RFM map, value tiers, membership levels, lifecycle thresholds; schema and
// defaults in shared/domain/segmentation/settings.ts). Override either with RETAIN_SETTINGS, e.g.
// `{ "analytics": { "shards": 100 }, "segmentation": { "membership": { "levels": [...] } } }`.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { DEFAULT_MODEL_SETTINGS, type ModelSettings } from '../domain/analytics/nightly-run.js';
import {
  DEFAULT_SEGMENTATION_SETTINGS,
  type SegmentationSettings,
  segmentationSettingsSchema,
} from '../domain/segmentation/settings.js';
import { settingsSection } from '../settings.js';

const whole = (min: number, max: number) =>
  z
    .int('must be a whole number')
    .check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`));

const analyticsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /**
     * Parallel Scan segments of a run: how many workers scan and score at once (parallelism, not a
     * size limit: a shard of any size is carried on in slices, see `sliceSeconds`).
     */
    shards: whole(1, 1000),
    /** Concurrent profile writes per shard worker. */
    writeConcurrency: whole(1, 256),
    /**
     * Seconds a worker invocation scans before it hands the rest of its shard on (a continuation
     * event with its Scan position), well inside the worker's function timeout; it also stops when
     * less than two minutes of the timeout are left. It always finishes the page it is on.
     */
    sliceSeconds: whole(0, 3600),
    /** Profiles evaluated per Scan request of a shard (default: DynamoDB's 1 MB pages). */
    scanPageSize: z.optional(whole(1, 10_000)),
    /** How many past runs the segment trends show. */
    trendRuns: whole(1, 100),
    fitResolutionDays: whole(1, 28),
    maxFitRows: whole(1000, 10_000_000),
    minCustomersForFit: whole(2, 1_000_000),
    minHistoryDays: whole(0, 365),
    clvMonths: whole(1, 60),
    annualDiscountRate: z.number().check(z.gte(0, 'must be ≥ 0'), z.lte(1, 'must be ≤ 1')),
  }),
);

export type AnalyticsSettings = z.infer<typeof analyticsSchema>;

export const DEFAULT_ANALYTICS_SETTINGS: AnalyticsSettings = {
  shards: 4,
  writeConcurrency: 24,
  sliceSeconds: 120,
  trendRuns: 12,
  ...DEFAULT_MODEL_SETTINGS,
};

export function analyticsSettings(): AnalyticsSettings {
  return settingsSection('analytics', analyticsSchema, DEFAULT_ANALYTICS_SETTINGS);
}

export function segmentationSettings(): SegmentationSettings {
  return settingsSection('segmentation', segmentationSettingsSchema, DEFAULT_SEGMENTATION_SETTINGS);
}

/** Both sections as the pure run functions take them. */
export function runSettings(): { model: ModelSettings; segmentation: SegmentationSettings } {
  return { model: analyticsSettings(), segmentation: segmentationSettings() };
}
