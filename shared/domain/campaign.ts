// Campaigns and their lists: what a campaign is (schemas), the built-in segments, which customers
// a list takes, what a row of the CSV says and how a list is summed up. Pure: no I/O.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { defuseFormula } from './csv.js';
import type { ConsentChannel } from './customer.js';
import { CONSENT_CHANNELS } from './customer.js';
import type { LifecycleStage } from './customer-scores.js';
import { cachedLocalDay, type StoredProfile } from './segment-facts.js';
import type { SegmentFacts, SegmentRule } from './segment-rules.js';

export const CAMPAIGN_ID = /^cpg_[0-9A-HJKMNP-TV-Z]{26}$/;
export const SEGMENT_DEFINITION_ID = /^seg_[0-9A-HJKMNP-TV-Z]{26}$/;
/** A run is one list per campaign and business-local day: its id is that day. */
export const RUN_ID = /^\d{4}-\d{2}-\d{2}$/;

export const NOTICE_LANGUAGES = ['en', 'zh-CN'] as const;
export type NoticeLanguage = (typeof NOTICE_LANGUAGES)[number];

// ---------------------------------------------------------------------------------------------
// Built-in segments: rules in the same language marketers write, so they are read, previewed and
// documented the same way.

export const BUILTIN_SEGMENT_IDS = [
  'vip_champions',
  'at_risk_winback',
  'birthdays_next_month',
  'new_customers_nurture',
  'hibernating_reactivation',
] as const;
export type BuiltinSegmentId = (typeof BUILTIN_SEGMENT_IDS)[number];

export interface BuiltinSegment {
  readonly label: Record<NoticeLanguage, string>;
  readonly rule: SegmentRule;
  /** The suggested action on every row of its lists. */
  readonly action: Record<NoticeLanguage, string>;
}

export const BUILTIN_SEGMENTS: Readonly<Record<BuiltinSegmentId, BuiltinSegment>> = {
  vip_champions: {
    label: { en: 'VIP champions', 'zh-CN': 'VIP 冠军客户' },
    rule: {
      or: [
        { field: 'rfmSegment', eq: 'champions' },
        {
          and: [
            { field: 'tier', eq: 'high' },
            { field: 'lifecycle', eq: 'loyal' },
          ],
        },
      ],
    },
    action: {
      en: 'Reward: VIP early access or a thank-you gift; invite a review or a referral',
      'zh-CN': '回馈：VIP 优先购或感谢礼品；邀请评价或推荐好友',
    },
  },
  at_risk_winback: {
    label: { en: 'At-risk win-back', 'zh-CN': '流失风险挽回' },
    rule: {
      and: [
        {
          or: [
            { field: 'lifecycle', in: ['at_risk', 'churned'] },
            { field: 'rfmSegment', in: ['at_risk', 'cannot_lose_them'] },
          ],
        },
        // Someone waiting for an answer to a complaint gets that answer first, not an offer.
        { not: { field: 'openComplaints', gt: 0 } },
      ],
    },
    action: {
      en: 'Win back: a personal offer before they leave',
      'zh-CN': '挽回：在客户流失前送上专属优惠',
    },
  },
  birthdays_next_month: {
    label: { en: 'Birthdays next month', 'zh-CN': '下月生日客户' },
    rule: { field: 'monthsUntilBirthday', eq: 1 },
    action: {
      en: 'Birthday: plan a greeting and a gift for their birthday next month',
      'zh-CN': '生日关怀：为下月生日准备祝福和礼品',
    },
  },
  new_customers_nurture: {
    label: { en: 'New customers to nurture', 'zh-CN': '新客户培育' },
    rule: { field: 'lifecycle', eq: 'new' },
    action: {
      en: 'Nurture: welcome series and a second-purchase incentive',
      'zh-CN': '培育：欢迎系列内容与复购激励',
    },
  },
  hibernating_reactivation: {
    label: { en: 'Hibernating reactivation', 'zh-CN': '沉睡客户唤醒' },
    rule: { field: 'rfmSegment', in: ['hibernating', 'lost'] },
    action: {
      en: 'Reactivate: a "we miss you" offer on the categories they bought',
      'zh-CN': '唤醒：针对其购买过的品类发送"想念您"优惠',
    },
  },
};

/** The strategy per lifecycle stage (PRODUCT.md §4), the suggested action of saved segments' rows. */
const STAGE_ACTIONS: Readonly<Record<LifecycleStage | 'unscored', Record<NoticeLanguage, string>>> = {
  prospect: { en: 'Convert: a first-purchase offer', 'zh-CN': '转化：首单优惠' },
  new: {
    en: 'Nurture: welcome series and a second-purchase incentive',
    'zh-CN': '培育：欢迎系列内容与复购激励',
  },
  active: {
    en: 'Cross-sell: recommendations from the categories they buy',
    'zh-CN': '交叉销售：按已购品类推荐',
  },
  loyal: { en: 'Reward: loyalty perks and early access', 'zh-CN': '回馈：会员权益与优先购' },
  at_risk: { en: 'Win back: a personal offer before they leave', 'zh-CN': '挽回：在客户流失前送上专属优惠' },
  churned: { en: 'Win back: a reactivation offer', 'zh-CN': '挽回：重新激活优惠' },
  reactivated: { en: 'Re-engage: thank them and keep them active', 'zh-CN': '再互动：感谢回归并保持活跃' },
  unscored: { en: 'Engage: introduce the campaign', 'zh-CN': '互动：介绍本次活动' },
};

// ---------------------------------------------------------------------------------------------
// The campaign as marketers write it.

const text = (max: number) =>
  z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max));

export const segmentRefSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      builtin: z.optional(z.enum(BUILTIN_SEGMENT_IDS)),
      definitionId: z.optional(
        z.string().check(z.regex(SEGMENT_DEFINITION_ID, 'must be a segment definition id like seg_01J…')),
      ),
    })
    .check(
      z.refine((ref) => (ref.builtin === undefined) !== (ref.definitionId === undefined), {
        message: `give exactly one of builtin (${BUILTIN_SEGMENT_IDS.join(', ')}) or definitionId`,
      }),
    ),
);
export type SegmentRef = z.infer<typeof segmentRefSchema>;

const recipientsSchema = /* @__PURE__ */ lazy(() =>
  z.pipe(
    z
      .array(z.email('must be an email address').check(z.maxLength(254)))
      .check(
        z.minLength(1, 'name at least one marketer to receive the list'),
        z.maxLength(20, 'at most 20 recipients'),
      ),
    z.transform((emails) => [...new Set(emails.map((email) => email.trim().toLowerCase()))]),
  ),
);

export const campaignInputSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    name: text(120),
    description: z.optional(text(1000)),
    segment: segmentRefSchema,
    /** The channel the campaign will reach customers on: only customers who consented to it are listed. */
    channel: z.enum(CONSENT_CHANNELS),
    /** The offer, shown with the suggested action on every row, e.g. "20% off with code SPRING20". */
    offer: z.optional(text(200)),
    /** Suggested action for every row; default: the built-in segment's, or the customer's lifecycle strategy. */
    action: z.optional(text(200)),
    /** Marketers who receive the list notice. */
    recipients: recipientsSchema,
    /** Language of the notice and of the suggested actions. */
    language: z._default(z.enum(NOTICE_LANGUAGES), 'en'),
    /** Inactive campaigns keep their history but get no new lists. */
    active: z._default(z.boolean(), true),
  }),
);
export type CampaignInput = z.infer<typeof campaignInputSchema>;

export interface LastRun {
  runId: string;
  asOf: string;
  size: number;
  generatedAt: string;
}

export interface CampaignRecord extends CampaignInput {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastRun?: LastRun;
}

const lastRunSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    runId: z.string(),
    asOf: z.string(),
    size: z.number(),
    generatedAt: z.string(),
  }),
);

export const campaignViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    name: z.string(),
    description: z.optional(z.string()),
    segment: z.object({ builtin: z.optional(z.string()), definitionId: z.optional(z.string()) }),
    channel: z.string(),
    offer: z.optional(z.string()),
    action: z.optional(z.string()),
    recipients: z.array(z.string()),
    language: z.string(),
    active: z.boolean(),
    lastRun: z.optional(lastRunSchema),
  }),
);

// ---------------------------------------------------------------------------------------------
// Who is on a list, and what a row says.

/** The contact a channel needs; push has no address of ours, only the consent. */
function reachable(profile: StoredProfile, channel: ConsentChannel): boolean {
  if (channel === 'email') return typeof profile.email === 'string' && profile.email !== '';
  if (channel === 'sms') return typeof profile.phone === 'string' && profile.phone !== '';
  return true;
}

/**
 * Whether a customer of the segment goes on a campaign's list: marketing consent granted for the
 * campaign's channel, and an address to reach them there.
 */
export function listable(profile: StoredProfile, facts: SegmentFacts, channel: ConsentChannel): boolean {
  return facts.consent.includes(channel) && reachable(profile, channel);
}

export const LIST_COLUMNS = [
  'customer_id',
  'name',
  'email',
  'phone',
  'region',
  'segment',
  'tier',
  'lifecycle',
  'churn_probability',
  'clv',
  'last_order',
  'suggested_action',
] as const;

export type ListRow = Array<string | number | undefined>;

/** The name as the customer writes it: family name first without a space in Chinese and Japanese. */
export function fullName(profile: StoredProfile): string | undefined {
  const name = profile.name;
  if (!name) return undefined;
  const eastAsian = /^(zh|ja)\b/i.test(profile.language ?? '');
  const parts = eastAsian ? [name.family, name.given] : [name.given, name.family];
  const joined = parts.filter(Boolean).join(eastAsian ? '' : ' ');
  return joined || name.display;
}

/** The suggested action of a row: the campaign's own, else the segment's, else the lifecycle strategy; then the offer. */
export function suggestedAction(
  campaign: Pick<CampaignInput, 'action' | 'offer' | 'language' | 'segment'>,
  facts: SegmentFacts,
): string {
  const language = campaign.language;
  const builtin = campaign.segment.builtin
    ? BUILTIN_SEGMENTS[campaign.segment.builtin as BuiltinSegmentId]
    : undefined;
  const stage = (facts.lifecycle ?? 'unscored') as LifecycleStage | 'unscored';
  const action =
    campaign.action ??
    builtin?.action[language] ??
    (STAGE_ACTIONS[stage] ?? STAGE_ACTIONS.unscored)[language];
  if (!campaign.offer) return action;
  return language === 'zh-CN'
    ? `${action}（优惠：${campaign.offer}）`
    : `${action} (offer: ${campaign.offer})`;
}

const fixed = (value: number | undefined, digits: number) =>
  value === undefined ? undefined : value.toFixed(digits);

/** One CSV row, in the order of LIST_COLUMNS. Customer-typed text is defused against formulas. */
export function listRow(
  profile: StoredProfile,
  facts: SegmentFacts,
  action: string,
  timeZone: string,
): ListRow {
  const lastOrderAt = typeof profile.lastOrderAt === 'string' ? profile.lastOrderAt : undefined;
  return [
    profile.id,
    defuseFormula(fullName(profile)),
    profile.email,
    profile.phone,
    defuseFormula(facts.region),
    facts.rfmSegment,
    facts.tier,
    facts.lifecycle,
    fixed(facts.churnProbability, 3),
    fixed(facts.clv, 2),
    lastOrderAt ? cachedLocalDay(lastOrderAt, timeZone) : undefined,
    defuseFormula(action),
  ];
}

// ---------------------------------------------------------------------------------------------
// The summary of a list: sums in integer cents, so a list sums to the same figures whatever order
// the scan delivered its customers in.

export interface SegmentShare {
  count: number;
  spend: number;
  clv: number;
}

export interface ListSummary {
  size: number;
  spendTotal: number;
  clvTotal: number;
  /** By RFM segment; `unscored` for customers the nightly analytics have not scored yet. */
  bySegment: Record<string, SegmentShare>;
}

export const listSummarySchema = /* @__PURE__ */ lazy(() =>
  z.object({
    size: z.number(),
    spendTotal: z.number(),
    clvTotal: z.number(),
    bySegment: z.record(z.string(), z.object({ count: z.number(), spend: z.number(), clv: z.number() })),
  }),
);

const cents = (value: number | undefined) => Math.round((value ?? 0) * 100);

export class ListTally {
  private size = 0;
  private spend = 0;
  private clv = 0;
  private readonly segments = new Map<string, { count: number; spend: number; clv: number }>();

  add(facts: SegmentFacts): void {
    const spend = cents(facts.totalSpend);
    const clv = cents(facts.clv);
    this.size++;
    this.spend += spend;
    this.clv += clv;
    const key = facts.rfmSegment ?? 'unscored';
    const share = this.segments.get(key) ?? { count: 0, spend: 0, clv: 0 };
    share.count++;
    share.spend += spend;
    share.clv += clv;
    this.segments.set(key, share);
  }

  summary(): ListSummary {
    const bySegment: Record<string, SegmentShare> = {};
    for (const [segment, share] of [...this.segments].sort(([, a], [, b]) => b.count - a.count)) {
      bySegment[segment] = { count: share.count, spend: share.spend / 100, clv: share.clv / 100 };
    }
    return { size: this.size, spendTotal: this.spend / 100, clvTotal: this.clv / 100, bySegment };
  }
}

/** The file name a marketer's download gets: `<campaign name>-<date>.csv`, safe on every system. */
export function listFileName(campaignName: string, asOf: string): string {
  const base = campaignName
    .normalize('NFC')
    .replace(/[\\/:*?"<>|,;\p{Cc}]+/gu, '-')
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
  return `${base || 'campaign'}-${asOf}.csv`;
}
