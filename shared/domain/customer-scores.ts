// The scores the nightly analytics keep on each profile (attribute `scores`), read by the
// messaging jobs, campaign lists and segment rules. Written only when they change.

export const LIFECYCLE_STAGES = ['prospect', 'new', 'active', 'loyal', 'at_risk', 'churned', 'reactivated'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export const VALUE_TIERS = ['high', 'medium', 'low'] as const;
export type ValueTier = (typeof VALUE_TIERS)[number];

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
