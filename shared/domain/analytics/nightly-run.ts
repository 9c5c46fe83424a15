// The nightly analytics as pure functions over plain values: what each shard summarises in the
// first pass, how the coordinator merges the summaries and fits the models once, how every shard
// then scores its customers against the same merged figures, and what it reports back. The use case
// (shared/use-cases/nightly-analytics.ts) only moves these values between DynamoDB and the bus.
//
// Pass 1 ("population"): per shard, the RFM inputs as mergeable quantile summaries, the BG/NBD
// sufficient statistics as weighted rows {x, t_x, T, count} in whole days, and the Gamma-Gamma rows
// {x, zbar in cents, count}. Their size is bounded by the number of distinct rows, not customers.
// Pass 2 ("score"): per shard, segment-profile and KPI partials, which merge by integer addition.
// Everything merges commutatively and the merged rows are sorted before fitting, so a re-run, or
// the same shards arriving in another order, gives the same numbers bit for bit. Pure: no I/O.
import type { CustomerScores, LifecycleStage, ValueTier } from '../customer-scores.js';
import {
  ageOn,
  emptyProfile,
  finalizeProfile,
  mergeProfiles,
  profileOf,
  type ProfileCustomer,
  type SegmentProfile,
  type SegmentProfilePartial,
} from '../segmentation/segment-profile.js';
import {
  emptyKpiPartial,
  type KpiCustomer,
  type KpiPartial,
  kpiPartialOf,
  mergeKpiPartials,
} from '../segmentation/kpis.js';
import { lifecycleStageAt } from '../segmentation/lifecycle.js';
import {
  type CutPoints,
  cutPoints,
  mergeSummaries,
  RFM_DIRECTIONS,
  quintileScorer,
  RFM_SUMMARY_OPTIONS,
  ValueCounter,
  type ValueSummary,
} from '../segmentation/quintiles.js';
import { segmentFor } from '../segmentation/rfm-segments.js';
import type { SegmentationSettings } from '../segmentation/settings.js';
import { membershipFor, tierCutPoints, valueTierScorer } from '../segmentation/tiers.js';
import {
  type BgNbdFit,
  type BgNbdParams,
  bgNbdConditionalExpectedTransactions,
  bgNbdExpectedTransactions,
  bgNbdProbabilityAlive,
  bgNbdProbabilityAliveByTx,
  compressBgNbdRows,
  fitBgNbd,
} from './bgnbd.js';
import { clvCalculator, DAYS_PER_MONTH } from './clv.js';
import { type CustomerFacts, DAY_MS, dayIndex } from './customer-facts.js';
import { RowCounts } from './row-counts.js';
import {
  type GammaGammaFit,
  type GammaGammaParams,
  fitGammaGamma,
  gammaGammaExpectedAverageValue,
} from './gamma-gamma.js';

/** The models' time unit: weeks, as in the published CDNOW results (alpha is per week). */
export const MODEL_TIME_UNIT = 'week';
export const UNIT_DAYS = 7;

/** Knobs of the models (the `analytics` settings section carries them). */
export interface ModelSettings {
  /** Grid (in days) t_x and T are rounded to before fitting; 1 = exact (purchases are per day). */
  readonly fitResolutionDays: number;
  /**
   * Most weighted rows the BG/NBD fit takes: beyond it the grid coarsens (7, 14, 28 days) until
   * the rows fit, bounding the fit's time whatever the population (10 M customers: seconds).
   */
  readonly maxFitRows: number;
  /** Fewer buyers than this: no model is fitted and every customer gets the fallback. */
  readonly minCustomersForFit: number;
  /** Customers whose first purchase is fewer days old than this get the marked fallback. */
  readonly minHistoryDays: number;
  readonly clvMonths: number;
  readonly annualDiscountRate: number;
}

export const DEFAULT_MODEL_SETTINGS: ModelSettings = {
  fitResolutionDays: 1,
  maxFitRows: 200_000,
  minCustomersForFit: 20,
  minHistoryDays: 7,
  clvMonths: 12,
  annualDiscountRate: 0.1,
};

// ---------------------------------------------------------------------------------------------
// Pass 1: the population summary

/** One shard's (or the merged) pass-1 summary. Plain JSON. */
export interface PopulationSummary {
  /** Customers in the population on asOf (buyers and prospects). */
  readonly customers: number;
  readonly buyers: number;
  readonly recency: ValueSummary;
  readonly frequency: ValueSummary;
  readonly monetary: ValueSummary;
  /** BG/NBD rows `[x, t_x days, T days, count]`, sorted. */
  readonly purchases: readonly (readonly [number, number, number, number])[];
  /** Gamma-Gamma rows `[x, zbar, count]` of customers with x ≥ 1, sorted. zbar is kept exact:
   * rounding it to cents moves γ on CDNOW from the published 15.44 to 15.45. */
  readonly spend: readonly (readonly [number, number, number])[];
}

/** Accumulates a shard's customers into a {@link PopulationSummary}. */
export class PopulationAccumulator {
  private customers = 0;
  private buyers = 0;
  private readonly recency = new ValueCounter(RFM_SUMMARY_OPTIONS.recency);
  private readonly frequency = new ValueCounter(RFM_SUMMARY_OPTIONS.frequency);
  private readonly monetary = new ValueCounter(RFM_SUMMARY_OPTIONS.monetary);
  private readonly purchases = new RowCounts(3);
  private readonly spend = new RowCounts(2);

  add(facts: CustomerFacts): void {
    this.customers++;
    if (facts.recencyDays === null) return;
    this.buyers++;
    this.recency.add(facts.recencyDays);
    this.frequency.add(facts.orders);
    this.monetary.add(facts.monetary);
    this.purchases.add(1, facts.x, facts.txDays, facts.TDays);
    if (facts.x > 0) this.spend.add(1, facts.x, facts.zbar);
  }

  summary(): PopulationSummary {
    return {
      customers: this.customers,
      buyers: this.buyers,
      recency: this.recency.summary(),
      frequency: this.frequency.summary(),
      monetary: this.monetary.summary(),
      purchases: this.purchases.rows() as unknown as PopulationSummary['purchases'],
      spend: this.spend.rows() as unknown as PopulationSummary['spend'],
    };
  }
}

export function emptyPopulationSummary(): PopulationSummary {
  return new PopulationAccumulator().summary();
}

function mergeRows<T extends readonly number[]>(a: readonly T[], b: readonly T[]): T[] {
  const width = Math.max(a[0]?.length ?? 0, b[0]?.length ?? 0) - 1;
  if (width < 0) return [];
  const merged = new RowCounts(width as 2 | 3);
  for (const row of [...a, ...b])
    merged.add(row[width] as number, row[0] as number, row[1] as number, row[2]);
  return merged.rows() as unknown as T[];
}

/** Two pass-1 summaries combined; commutative and associative. */
export function mergePopulationSummaries(a: PopulationSummary, b: PopulationSummary): PopulationSummary {
  return {
    customers: a.customers + b.customers,
    buyers: a.buyers + b.buyers,
    recency: mergeSummaries(a.recency, b.recency),
    frequency: mergeSummaries(a.frequency, b.frequency),
    monetary: mergeSummaries(a.monetary, b.monetary),
    purchases: mergeRows(a.purchases, b.purchases),
    spend: mergeRows(a.spend, b.spend),
  };
}

// ---------------------------------------------------------------------------------------------
// Between the passes: the fitted models and cut points every shard scores with

export interface FittedModel<P> {
  readonly params: P;
  readonly logLikelihood: number;
  readonly customers: number;
  readonly converged: boolean;
  readonly iterations: number;
}

/** What GET /analytics/model shows of a run. */
export interface RunModel {
  readonly asOf: string;
  readonly runId: string;
  readonly timeUnit: typeof MODEL_TIME_UNIT;
  /** Customers in the population, and those with a purchase up to asOf. */
  readonly customers: number;
  readonly buyers: number;
  /** `rows`: weighted rows fitted; `resolutionDays`: the grid t_x and T were rounded to (1 = exact). */
  readonly bgNbd:
    (FittedModel<BgNbdParams> & { readonly rows: number; readonly resolutionDays: number }) | null;
  readonly gammaGamma: (FittedModel<GammaGammaParams> & { readonly excluded: number }) | null;
  /** Why a model is missing (everyone then gets the fallback for it). */
  readonly fallbackReasons: { readonly bgNbd?: string; readonly gammaGamma?: string };
  readonly fitMillis: number;
}

/** Everything pass 2 needs, computed once by the coordinator. Plain JSON. */
export interface RunContext {
  readonly model: RunModel;
  /** Quintile cut points of R, F, M and the value-tier cut points; null without buyers. */
  readonly cuts: {
    readonly recency: CutPoints;
    readonly frequency: CutPoints;
    readonly monetary: CutPoints;
    readonly tier: CutPoints;
  } | null;
}

const positiveFinite = (values: readonly number[]) => values.every((v) => Number.isFinite(v) && v > 0);

function fitPurchases(
  summary: PopulationSummary,
  settings: ModelSettings,
): { fit: (BgNbdFit & { rows: number; resolutionDays: number }) | null; reason?: string } {
  if (summary.buyers < settings.minCustomersForFit) {
    return { fit: null, reason: `fewer than ${settings.minCustomersForFit} buyers` };
  }
  if (!summary.purchases.some(([x]) => x > 0)) return { fit: null, reason: 'no repeat purchases yet' };
  const inWeeks = summary.purchases.map(([x, tx, T, count]) => ({
    x,
    tx: tx / UNIT_DAYS,
    T: T / UNIT_DAYS,
    count,
  }));
  let resolutionDays = settings.fitResolutionDays;
  let rows = resolutionDays > 1 ? compressBgNbdRows(inWeeks, resolutionDays / UNIT_DAYS) : inWeeks;
  for (const coarser of [7, 14, 28]) {
    if (rows.length <= settings.maxFitRows || coarser <= resolutionDays) continue;
    resolutionDays = coarser;
    rows = compressBgNbdRows(inWeeks, coarser / UNIT_DAYS);
  }
  try {
    const fit = fitBgNbd(rows);
    const { r, alpha, a, b } = fit.params;
    if (!fit.converged || !positiveFinite([r, alpha, a, b]))
      return { fit: null, reason: 'the fit did not converge' };
    return { fit: { ...fit, rows: rows.length, resolutionDays } };
  } catch (error) {
    return { fit: null, reason: `the fit failed: ${(error as Error).message}` };
  }
}

function fitSpend(
  summary: PopulationSummary,
  settings: ModelSettings,
): { fit: GammaGammaFit | null; reason?: string } {
  const rows = summary.spend.map(([x, zbar, count]) => ({ x, zbar, count }));
  const usable = rows.reduce((n, row) => n + (row.zbar > 0 ? row.count : 0), 0);
  if (usable < settings.minCustomersForFit) {
    return { fit: null, reason: `fewer than ${settings.minCustomersForFit} repeat buyers with spend` };
  }
  try {
    const fit = fitGammaGamma(rows);
    const { p, q, gamma } = fit.params;
    if (!fit.converged || !positiveFinite([p, q, gamma]))
      return { fit: null, reason: 'the fit did not converge' };
    return { fit };
  } catch (error) {
    return { fit: null, reason: `the fit failed: ${(error as Error).message}` };
  }
}

const fitted = <P>(fit: {
  params: P;
  logLikelihood: number;
  customers: number;
  converged: boolean;
  iterations: number;
}) => ({
  params: fit.params,
  logLikelihood: fit.logLikelihood,
  customers: fit.customers,
  converged: fit.converged,
  iterations: fit.iterations,
});

/** The coordinator's step between the passes: cut points and model fits on the merged summary. */
export function buildRunContext(
  summary: PopulationSummary,
  settings: { model: ModelSettings; segmentation: SegmentationSettings },
  run: { asOf: string; runId: string },
  clock: () => number = Date.now,
): RunContext {
  const started = clock();
  const purchases = fitPurchases(summary, settings.model);
  const spend = fitSpend(summary, settings.model);
  const model: RunModel = {
    asOf: run.asOf,
    runId: run.runId,
    timeUnit: MODEL_TIME_UNIT,
    customers: summary.customers,
    buyers: summary.buyers,
    bgNbd: purchases.fit
      ? { ...fitted(purchases.fit), rows: purchases.fit.rows, resolutionDays: purchases.fit.resolutionDays }
      : null,
    gammaGamma: spend.fit ? { ...fitted(spend.fit), excluded: spend.fit.excluded } : null,
    fallbackReasons: {
      ...(purchases.reason ? { bgNbd: purchases.reason } : {}),
      ...(spend.reason ? { gammaGamma: spend.reason } : {}),
    },
    fitMillis: clock() - started,
  };
  const cuts =
    summary.buyers > 0
      ? {
          recency: cutPoints(summary.recency),
          frequency: cutPoints(summary.frequency),
          monetary: cutPoints(summary.monetary),
          tier: tierCutPoints(summary.monetary, settings.segmentation.valueTiers),
        }
      : null;
  return { model, cuts };
}

// ---------------------------------------------------------------------------------------------
// Pass 2: scoring one customer

const SCALES = [1, 10, 100, 1000, 10_000];
const round = (value: number, digits: number) => {
  const scale = SCALES[digits] ?? 10 ** digits;
  return Math.round(value * scale) / scale + 0;
};

/** Horizons of the expected purchases on each profile, in days. */
const HORIZONS = [30, 90, 365] as const;

/** A customer's purchase-model figures: the memo of their (x, T), their P(alive), and its ratio to P(alive | x, T, T). */
interface PurchaseModel {
  readonly memo: {
    readonly pAliveAtT: number;
    readonly expectedAtT: readonly number[];
    readonly clvPerOrderValueAtT?: number;
  };
  readonly pAlive: number;
  readonly scale: number;
}

export interface Scorer {
  /** The customer's scores on asOf; `previous` is what the profile carries from earlier runs. */
  score(facts: CustomerFacts, previous: CustomerScores | undefined): CustomerScores;
}

/**
 * A scorer for one run. Model outputs depend only on (x, t_x, T) for the purchase model, so they are
 * memoised per distinct triple: a shard of 100,000 customers has a few thousand of them.
 */
export function createScorer(
  context: RunContext,
  settings: { model: ModelSettings; segmentation: SegmentationSettings },
  run: { asOf: string; runId: string },
): Scorer {
  const { asOf, runId } = run;
  const seg = settings.segmentation;
  const ms = settings.model;
  // Days as the lifecycle rules compare them (times DAY_MS: the day's UTC midnight, as Date.parse reads `YYYY-MM-DD`).
  const asOfDay = dayIndex(asOf);
  // The cut points compiled once for the run.
  const rank = context.cuts && {
    recency: quintileScorer(context.cuts.recency, RFM_DIRECTIONS.recency),
    frequency: quintileScorer(context.cuts.frequency, RFM_DIRECTIONS.frequency),
    monetary: quintileScorer(context.cuts.monetary, RFM_DIRECTIONS.monetary),
    tier: valueTierScorer(context.cuts.tier),
  };
  const bg = context.model.bgNbd?.params;
  const gg = context.model.gammaGamma?.params;
  // Model outputs are memoised per distinct (x, T), of which a shard has a few thousand. FHL 2005
  // eq. (10) factors as E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) · B(x, T, t), the bracket B not
  // depending on t_x; so every expectation, and the CLV (linear in them), is the value computed once
  // for t_x = T scaled by P(alive | x, t_x, T) / P(alive | x, T, T). P(alive) itself is closed-form.
  interface PurchaseMemo {
    /** P(alive | x, t_x, T) as a function of t_x. */
    pAliveOf: (tx: number) => number;
    /** P(alive | x, T, T). */
    pAliveAtT: number;
    /** E[Y(h) | x, T, T] for each horizon. */
    expectedAtT: number[];
    /** Model CLV at t_x = T per unit of expected order value (absent: the CLV falls back). */
    clvPerOrderValueAtT?: number;
  }
  // By x, then by T in days: number keys, no string to build per customer.
  const purchaseMemo = new Map<number, Map<number, PurchaseMemo>>();
  let memoSize = 0;
  const newCustomerExpected = bg
    ? HORIZONS.map((days) => bgNbdExpectedTransactions(bg, days / UNIT_DAYS))
    : undefined;
  const clvOptions = {
    months: ms.clvMonths,
    annualDiscountRate: ms.annualDiscountRate,
    unitDays: UNIT_DAYS,
    minHistoryDays: ms.minHistoryDays,
  };
  const clvOf = clvCalculator({ bgNbd: bg, gammaGamma: gg }, clvOptions);
  const clvCustomer = (facts: CustomerFacts) => ({
    x: facts.x,
    tx: facts.txDays / UNIT_DAYS,
    T: facts.TDays / UNIT_DAYS,
    zbar: facts.zbar,
    averageOrderValue: facts.purchaseDays > 0 ? facts.monetary / facts.purchaseDays : 0,
    recentTransactions: facts.recentPurchaseDays,
  });

  /** The memo of (x, T) and the customer's P(alive) and scale factor over it. */
  function modelOf(facts: CustomerFacts, model: BgNbdParams): PurchaseModel {
    let byT = purchaseMemo.get(facts.x);
    if (!byT) {
      byT = new Map();
      purchaseMemo.set(facts.x, byT);
    }
    let memo = byT.get(facts.TDays);
    if (!memo) {
      const atT = { x: facts.x, tx: facts.TDays / UNIT_DAYS, T: facts.TDays / UNIT_DAYS };
      memo = {
        pAliveOf: bgNbdProbabilityAliveByTx(model, atT.x, atT.T),
        pAliveAtT: bgNbdProbabilityAlive(model, atT),
        expectedAtT: HORIZONS.map((days) =>
          bgNbdConditionalExpectedTransactions(model, atT, days / UNIT_DAYS),
        ),
      };
      if (gg) {
        const clv = clvOf({ ...clvCustomer(facts), tx: atT.tx });
        if (clv.method === 'model' && clv.expectedOrderValue > 0)
          memo.clvPerOrderValueAtT = clv.value / clv.expectedOrderValue;
      }
      if (++memoSize > 200_000) {
        purchaseMemo.clear();
        memoSize = 1;
        byT = new Map();
        purchaseMemo.set(facts.x, byT);
      }
      byT.set(facts.TDays, memo);
    }
    const pAlive = memo.pAliveOf(facts.txDays / UNIT_DAYS);
    return { memo, pAlive, scale: memo.pAliveAtT > 0 ? pAlive / memo.pAliveAtT : 0 };
  }

  function churnOf(
    facts: CustomerFacts,
    model: PurchaseModel | undefined,
  ): NonNullable<CustomerScores['churn']> {
    if (model) {
      const { memo, pAlive, scale } = model;
      const [e30, e90, e365] = memo.expectedAtT as [number, number, number];
      const expected = [e30 * scale, e90 * scale, e365 * scale];
      if (Number.isFinite(pAlive) && expected.every(Number.isFinite))
        return churnFigures(pAlive, expected, 'model');
    }
    if (newCustomerExpected) {
      // Too little history to judge this customer: a new customer is alive, expected to buy as the
      // average new customer of the fitted population does.
      return churnFigures(1, newCustomerExpected, 'fallback');
    }
    // No model at all: alive falls linearly to 0 at the churn threshold; purchases at the
    // customer's own rate over the last year.
    const pAlive = Math.min(1, Math.max(0, 1 - (facts.recencyDays ?? 0) / seg.lifecycle.churnedAfterDays));
    const dailyRate = facts.recentPurchaseDays / 365;
    return churnFigures(
      pAlive,
      HORIZONS.map((days) => pAlive * dailyRate * days),
      'fallback',
    );
  }

  function valueFigures(
    facts: CustomerFacts,
    model: PurchaseModel | undefined,
  ): NonNullable<CustomerScores['value']> {
    if (model && gg) {
      const { memo, scale } = model;
      const orderValue = gammaGammaExpectedAverageValue(gg, facts.x, Math.max(facts.zbar, 0));
      const clv = orderValue * (memo.clvPerOrderValueAtT ?? Number.NaN) * scale;
      if (Number.isFinite(clv) && clv >= 0 && orderValue >= 0) {
        return { expectedOrderValue: round(orderValue, 2), clv12: round(clv, 2), method: 'model' };
      }
    }
    const clv = clvOf(clvCustomer(facts));
    return {
      expectedOrderValue: round(clv.expectedOrderValue, 2),
      clv12: round(clv.value, 2),
      method: clv.method,
    };
  }

  return {
    score(facts, previous) {
      const buyer = facts.recencyDays !== null && context.cuts !== null;
      const model = buyer && bg && facts.TDays >= ms.minHistoryDays ? modelOf(facts, bg) : undefined;
      const churn = buyer ? churnOf(facts, model) : undefined;
      const value = buyer ? valueFigures(facts, model) : undefined;
      let rfm: CustomerScores['rfm'];
      let tier: ValueTier | undefined;
      if (buyer && rank) {
        const r = rank.recency(facts.recencyDays as number);
        const f = rank.frequency(facts.orders);
        const m = rank.monetary(facts.monetary);
        rfm = { r, f, m, segment: segmentFor(r, f, m, seg.rfmMap) };
        tier = rank.tier(facts.monetary);
      }
      const membership = membershipFor(facts.trailingSpend, seg.membership.levels, facts.orders) ?? undefined;
      const previousStage = previous?.lifecycle.stage ?? null;
      const since = previous?.lifecycle.since;
      // The first and last purchase days are T and recency days before asOf (by their definition).
      const stage = lifecycleStageAt(
        {
          asOf: asOfDay * DAY_MS,
          firstOrderAt: facts.firstDay === null ? null : (asOfDay - facts.TDays) * DAY_MS,
          lastOrderAt: facts.recencyDays === null ? null : (asOfDay - facts.recencyDays) * DAY_MS,
          orderCount: facts.orders,
          previousStage,
          previousStageSince: since ? Date.parse(since) : null,
          pAlive: churn?.method === 'model' ? churn.pAlive : null,
        },
        seg.lifecycle,
      );
      // Built field by field (no undefined values: they would not survive a round trip to DynamoDB).
      const scores: CustomerScores = {
        asOf,
        runId,
        lifecycle: { stage, since: previous && previousStage === stage ? previous.lifecycle.since : asOf },
      };
      if (rfm) scores.rfm = rfm;
      if (tier) scores.tier = tier;
      if (membership) scores.membership = membership;
      if (churn) scores.churn = churn;
      if (value) scores.value = value;
      return scores;
    },
  };
}

const clean = (v: number | undefined) => round(Math.max(0, Number.isFinite(v) ? (v as number) : 0), 3);

function churnFigures(
  pAlive: number,
  expected: readonly number[],
  method: 'model' | 'fallback',
): NonNullable<CustomerScores['churn']> {
  return {
    pAlive: round(Math.min(1, Math.max(0, pAlive)), 4),
    expected30: clean(expected[0]),
    expected90: clean(expected[1]),
    expected365: clean(expected[2]),
    method,
  };
}

/**
 * Whether two scores say the same thing. The run that computed them (asOf, runId) is not part of
 * it: scores are written only when something a user would see changed, and then carry the run
 * that changed them.
 */
export function sameScores(a: CustomerScores | undefined, b: CustomerScores | undefined): boolean {
  if (!a || !b) return a === b;
  const { asOf: _a, runId: _r, ...left } = a;
  const { asOf: _b, runId: _s, ...right } = b;
  return canonicalJson(left) === canonicalJson(right);
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

// ---------------------------------------------------------------------------------------------
// Pass 2: what each shard reports, merged into the run's summary

export interface Demographics {
  readonly gender?: string | null;
  readonly birthDate?: string | null;
  readonly region?: string | null;
  readonly acquisitionChannel?: string | null;
}

/** One shard's (or the merged) pass-2 summary. Plain JSON. */
export interface ScoringSummary {
  readonly customers: number;
  /** Customers whose scores changed and were written (their scores items). */
  readonly written: number;
  readonly lifecycleChanges: number;
  readonly eventsPublished: number;
  readonly lifecycle: Readonly<Record<string, number>>;
  readonly tiers: Readonly<Record<string, number>>;
  readonly membership: Readonly<Record<string, number>>;
  readonly methods: Readonly<Record<string, number>>;
  readonly segments: Readonly<Record<string, SegmentProfilePartial>>;
  readonly kpi: KpiPartial;
}

export function emptyScoringSummary(): ScoringSummary {
  return {
    customers: 0,
    written: 0,
    lifecycleChanges: 0,
    eventsPublished: 0,
    lifecycle: {},
    tiers: {},
    membership: {},
    methods: {},
    segments: {},
    kpi: emptyKpiPartial(),
  };
}

/** Accumulates a shard's scored customers into a {@link ScoringSummary}. */
export class ScoringAccumulator {
  private customers = 0;
  written = 0;
  lifecycleChanges = 0;
  eventsPublished = 0;
  private readonly lifecycle = new Map<string, number>();
  private readonly tiers = new Map<string, number>();
  private readonly membership = new Map<string, number>();
  private readonly methods = new Map<string, number>();
  private readonly segmentMembers = new Map<string, ProfileCustomer[]>();
  private readonly kpiCustomers: KpiCustomer[] = [];

  constructor(private readonly asOf: string) {}

  add(facts: CustomerFacts, scores: CustomerScores, who: Demographics): void {
    this.customers++;
    bump(this.lifecycle, scores.lifecycle.stage);
    if (scores.tier) bump(this.tiers, scores.tier);
    if (scores.membership) bump(this.membership, scores.membership);
    if (scores.churn) bump(this.methods, `churn:${scores.churn.method}`);
    if (scores.value) bump(this.methods, `value:${scores.value.method}`);
    const clv = scores.value?.clv12 ?? null;
    if (scores.rfm) {
      const members = this.segmentMembers.get(scores.rfm.segment) ?? [];
      members.push({
        monetary: facts.monetary,
        frequency: facts.orders,
        recencyDays: facts.recencyDays,
        churnProbability: scores.churn ? 1 - scores.churn.pAlive : null,
        clv,
        gender: who.gender ?? null,
        age: who.birthDate ? ageOn(who.birthDate, this.asOf) : null,
        region: who.region ?? null,
      });
      this.segmentMembers.set(scores.rfm.segment, members);
    }
    this.kpiCustomers.push({
      firstOrderMonth: facts.firstDay ? facts.firstDay.slice(0, 7) : null,
      activeMonths: facts.activeMonths,
      orderCount: facts.orders,
      clv,
      acquisitionChannel: who.acquisitionChannel ?? null,
    });
  }

  summary(): ScoringSummary {
    return {
      customers: this.customers,
      written: this.written,
      lifecycleChanges: this.lifecycleChanges,
      eventsPublished: this.eventsPublished,
      lifecycle: sortedRecord(this.lifecycle),
      tiers: sortedRecord(this.tiers),
      membership: sortedRecord(this.membership),
      methods: sortedRecord(this.methods),
      segments: sortedRecord(
        new Map([...this.segmentMembers].map(([name, members]) => [name, profileOf(members)])),
      ),
      kpi: kpiPartialOf(this.kpiCustomers),
    };
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function sortedRecord<T>(map: ReadonlyMap<string, T>): Record<string, T> {
  return Object.fromEntries([...map].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function addCounts(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum = new Map(Object.entries(a));
  for (const [key, n] of Object.entries(b)) sum.set(key, (sum.get(key) ?? 0) + n);
  return sortedRecord(sum);
}

/** Two pass-2 summaries combined; commutative and associative (integer sums only). */
export function mergeScoringSummaries(a: ScoringSummary, b: ScoringSummary): ScoringSummary {
  const segments = new Map(Object.entries(a.segments));
  for (const [name, partial] of Object.entries(b.segments)) {
    segments.set(name, mergeProfiles(segments.get(name) ?? emptyProfile(), partial));
  }
  return {
    customers: a.customers + b.customers,
    written: a.written + b.written,
    lifecycleChanges: a.lifecycleChanges + b.lifecycleChanges,
    eventsPublished: a.eventsPublished + b.eventsPublished,
    lifecycle: addCounts(a.lifecycle, b.lifecycle),
    tiers: addCounts(a.tiers, b.tiers),
    membership: addCounts(a.membership, b.membership),
    methods: addCounts(a.methods, b.methods),
    segments: sortedRecord(segments),
    kpi: mergeKpiPartials(a.kpi, b.kpi),
  };
}

/** Segment profiles of a run, keyed by segment, every segment of the map present (empty ones too). */
export function finalizeSegments(
  summary: ScoringSummary,
  segmentIds: readonly string[],
): Record<string, SegmentProfile> {
  const buyers = Object.values(summary.segments).reduce((n, partial) => n + partial.size, 0);
  return Object.fromEntries(
    segmentIds.map((id) => [id, finalizeProfile(summary.segments[id] ?? emptyProfile(), buyers)]),
  );
}

/** The segment ids of a map, in the map's order, each once. */
export function segmentIdsOf(map: SegmentationSettings['rfmMap']): string[] {
  return [...new Set(map.map((rule) => rule.segment))];
}

/** The small summary that travels in `analytics.run.completed` and sits on the run item. */
export interface RunSummary {
  readonly customers: number;
  readonly written: number;
  readonly lifecycleChanges: number;
  readonly eventsPublished: number;
  readonly lifecycle: Readonly<Record<string, number>>;
  readonly tiers: Readonly<Record<string, number>>;
  readonly membership: Readonly<Record<string, number>>;
  readonly segments: Readonly<Record<string, number>>;
  readonly methods: Readonly<Record<string, number>>;
}

export function runSummaryOf(summary: ScoringSummary): RunSummary {
  const { segments, kpi: _kpi, ...rest } = summary;
  return {
    ...rest,
    segments: Object.fromEntries(Object.entries(segments).map(([name, partial]) => [name, partial.size])),
  };
}

export type { LifecycleStage };
export { DAYS_PER_MONTH };
