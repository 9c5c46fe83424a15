// The scores the nightly analytics keep on each profile (attribute `scores`), read by the
// messaging jobs, campaign lists and segment rules. Written only when they change.

import type { LifecycleStage } from './segmentation/lifecycle.js';
import type { ValueTier } from './segmentation/tiers.js';

// Stage and tier ids are defined once, with their rules, in shared/domain/segmentation/.
export { LIFECYCLE_STAGES, type LifecycleStage } from './segmentation/lifecycle.js';
export { VALUE_TIERS, type ValueTier } from './segmentation/tiers.js';

export interface CustomerScores {
  /** The business-local date the scores describe, `YYYY-MM-DD`. */
  asOf: string;
  runId: string;
  rfm?: { r: number; f: number; m: number; segment: string };
  tier?: ValueTier;
  /** Membership level id (e.g. `green`, `gold`), absent without qualifying spend. */
  membership?: string;
  lifecycle: { stage: LifecycleStage; since: string };
  churn?: {
    /** P(alive) from BG/NBD; churn probability = 1 - pAlive. */
    pAlive: number;
    expected30: number;
    expected90: number;
    expected365: number;
    method: 'model' | 'fallback';
  };
  value?: { expectedOrderValue: number; clv12: number; method: 'model' | 'fallback' };
}
