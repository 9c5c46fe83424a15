// The `campaigns` settings section (RETAIN_SETTINGS `{ "campaigns": { … } }`), with its defaults.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { settingsSection } from '../settings.js';
import { MIN_PART_BYTES } from '../store/list-objects.js';

const whole = (min: number, max: number) =>
  z
    .int('must be a whole number')
    .check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`));

export const campaignSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** Parallel Scan segments when the lists are generated. */
    scanSegments: whole(1, 256),
    /** Campaigns written in one pass over the profiles (each holds one upload part in memory). */
    campaignsPerPass: whole(1, 50),
    /** Bytes per uploaded part of a list file (S3's minimum: 5 MiB). */
    partBytes: whole(MIN_PART_BYTES, 100 * 1024 * 1024),
    /** A list file up to this size is attached to the notice too. */
    attachMaxBytes: whole(0, 7 * 1024 * 1024),
    /** How long the download link in the notice works, in hours (S3 allows up to 7 days). */
    linkExpiryHours: whole(1, 168),
    /** How long the link `GET …/download` redirects to works, in seconds. */
    downloadLinkSeconds: whole(30, 3600),
    /** Customers shown by a preview. */
    previewSampleSize: whole(0, 50),
    /** Time a preview may scan before it answers with an estimate, in milliseconds. */
    previewBudgetMs: whole(500, 25_000),
    /** Scan segments of a preview: it reads them in random order, so a stopped preview is a fair sample. */
    previewSegments: whole(1, 256),
  }),
);
export type CampaignSettings = z.infer<typeof campaignSettingsSchema>;

export const DEFAULT_CAMPAIGN_SETTINGS: CampaignSettings = {
  scanSegments: 4,
  campaignsPerPass: 8,
  partBytes: MIN_PART_BYTES,
  attachMaxBytes: 1024 * 1024,
  linkExpiryHours: 72,
  downloadLinkSeconds: 300,
  previewSampleSize: 10,
  previewBudgetMs: 10_000,
  previewSegments: 16,
};

export const campaignSettings = (): CampaignSettings =>
  settingsSection('campaigns', campaignSettingsSchema, DEFAULT_CAMPAIGN_SETTINGS);
