import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  type CustomerFacts,
  customerFacts,
} from '../../../shared/domain/analytics/customer-facts.js';
import {
  buildRunContext,
  createScorer,
  DEFAULT_MODEL_SETTINGS,
  emptyPopulationSummary,
  emptyScoringSummary,
  finalizeSegments,
  mergePopulationSummaries,
  mergeScoringSummaries,
  PopulationAccumulator,
  type PopulationSummary,
  type RunContext,
  runSummaryOf,
  sameScores,
  ScoringAccumulator,
  segmentIdsOf,
} from '../../../shared/domain/analytics/nightly-run.js';
import { customerLifetimeValue } from '../../../shared/domain/analytics/clv.js';
import type { CustomerScores } from '../../../shared/domain/customer-scores.js';
import { DEFAULT_SEGMENTATION_SETTINGS } from '../../../shared/domain/segmentation/settings.js';
import { LIFECYCLE_STAGES, lifecycleStageFor } from '../../../shared/domain/segmentation/lifecycle.js';
import { CALIBRATION_END, cdnowTransactions } from './cdnow-data.js';

const SETTINGS = { model: DEFAULT_MODEL_SETTINGS, segmentation: DEFAULT_SEGMENTATION_SETTINGS };
const RUN = { asOf: CALIBRATION_END, runId: 'run-test-1' };

/** The CDNOW log as the per-day aggregates a profile carries. */
function cdnowActivities() {
  const byCustomer = new Map<
    string,
    { dailySpend: Record<string, number>; dailyOrders: Record<string, number> }
  >();
  for (const { customerId, date, amount } of cdnowTransactions()) {
    const activity = byCustomer.get(customerId) ?? { dailySpend: {}, dailyOrders: {} };
    activity.dailySpend[date] = (activity.dailySpend[date] ?? 0) + amount;
    activity.dailyOrders[date] = (activity.dailyOrders[date] ?? 0) + 1;
    byCustomer.set(customerId, activity);
  }
  return byCustomer;
}

function summaryOf(facts: Iterable<CustomerFacts>): PopulationSummary {
  const accumulator = new PopulationAccumulator();
  for (const f of facts) accumulator.add(f);
  return accumulator.summary();
}

let cdnow: { facts: Map<string, CustomerFacts>; summary: PopulationSummary; context: RunContext } | undefined;
function cdnowRun() {
  if (!cdnow) {
    const facts = new Map(
      [...cdnowActivities()].map(([id, activity]) => [id, customerFacts(activity, CALIBRATION_END, 365)]),
    );
    const summary = summaryOf(facts.values());
    cdnow = { facts, summary, context: buildRunContext(summary, SETTINGS, RUN) };
  }
  return cdnow;
}

describe('the population summary (pass 1)', () => {
  it('turns the CDNOW log into the published calibration summary of every customer', () => {
    const { summary } = cdnowRun();
    expect(summary.customers).toBe(2357);
    expect(summary.buyers).toBe(2357);
    // README: 946 customers made a repeat purchase in the calibration period.
    const repeat = summary.purchases.filter(([x]) => x > 0).reduce((n, row) => n + (row[3] as number), 0);
    expect(repeat).toBe(946);
    expect(summary.spend.reduce((n, row) => n + (row[2] as number), 0)).toBe(946);
  });

  it('gives the same summary however the customers are split into shards and merged (property)', () => {
    const facts = [...cdnowRun().facts.values()].slice(0, 300);
    const whole = JSON.stringify(summaryOf(facts));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: facts.length, maxLength: facts.length }),
        (shardOf) => {
          const shards = [0, 1, 2, 3, 4].map((shard) =>
            summaryOf(facts.filter((_, i) => shardOf[i] === shard)),
          );
          const forward = shards.reduce(mergePopulationSummaries, emptyPopulationSummary());
          const backward = [...shards].reverse().reduce(mergePopulationSummaries, emptyPopulationSummary());
          expect(JSON.stringify(forward)).toBe(whole);
          expect(JSON.stringify(backward)).toBe(whole);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('the run context (between the passes)', () => {
  it('fits BG/NBD and Gamma-Gamma on CDNOW to the published values, in weeks', () => {
    const { model } = cdnowRun().context;
    expect(model.timeUnit).toBe('week');
    const published = { r: 0.2425945, alpha: 4.4136019, a: 0.7929199, b: 2.4258881 };
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs((model.bgNbd?.params[name] as number) / published[name] - 1), name).toBeLessThan(0.001);
    }
    expect(Math.abs((model.bgNbd?.logLikelihood as number) / -9582.429 - 1)).toBeLessThan(0.001);
    expect(model.gammaGamma?.customers).toBe(946);
    expect(model.gammaGamma?.params.p.toFixed(2)).toBe('6.25');
    expect(model.gammaGamma?.params.q.toFixed(2)).toBe('3.74');
    expect(model.gammaGamma?.params.gamma.toFixed(2)).toBe('15.44');
  });

  it('fits nothing, and says why, when the population cannot support a model', () => {
    const few = summaryOf([
      customerFacts({ dailySpend: { '2024-01-01': 5, '2024-02-01': 5 } }, '2024-03-01', 365),
    ]);
    const context = buildRunContext(few, SETTINGS, RUN);
    expect(context.model.bgNbd).toBeNull();
    expect(context.model.gammaGamma).toBeNull();
    expect(context.model.fallbackReasons.bgNbd).toMatch(/fewer than 20 buyers/);
    const oneTimers = summaryOf(
      Array.from({ length: 50 }, (_, i) =>
        customerFacts({ dailySpend: { [addDays('2024-01-01', i)]: 5 } }, '2024-03-01', 365),
      ),
    );
    expect(buildRunContext(oneTimers, SETTINGS, RUN).model.fallbackReasons.bgNbd).toMatch(
      /no repeat purchases/,
    );
    const nobody = buildRunContext(emptyPopulationSummary(), SETTINGS, RUN);
    expect(nobody.cuts).toBeNull();
  });

  it('moves the fit only a little when t_x and T are rounded to weeks to bound the rows', () => {
    const { summary, context } = cdnowRun();
    const coarse = buildRunContext(
      summary,
      { ...SETTINGS, model: { ...SETTINGS.model, fitResolutionDays: 7 } },
      RUN,
    );
    expect(coarse.model.bgNbd?.rows).toBeLessThan(context.model.bgNbd?.rows as number);
    expect(context.model.bgNbd?.resolutionDays).toBe(1);
    // A cap on the rows coarsens the grid by itself.
    const capped = buildRunContext(
      summary,
      { ...SETTINGS, model: { ...SETTINGS.model, maxFitRows: 1000 } },
      RUN,
    );
    expect(capped.model.bgNbd?.resolutionDays).toBe(7);
    expect(capped.model.bgNbd?.rows).toBeLessThanOrEqual(1000);
    for (const name of ['r', 'alpha', 'a', 'b'] as const) {
      expect(
        Math.abs(
          (coarse.model.bgNbd?.params[name] as number) / (context.model.bgNbd?.params[name] as number) - 1,
        ),
      ).toBeLessThan(0.05);
    }
  });
});

describe('scoring a customer (pass 2)', () => {
  it('reproduces the CDNOW spot check of customer 1: P(alive) = 0.727', () => {
    const { facts, context } = cdnowRun();
    const scores = createScorer(context, SETTINGS, RUN).score(facts.get('1') as CustomerFacts, undefined);
    expect(scores.churn?.method).toBe('model');
    expect(Math.abs((scores.churn?.pAlive as number) - 0.727)).toBeLessThan(0.001);
    expect(scores.value?.method).toBe('model');
    expect(scores.rfm?.r).toBeGreaterThanOrEqual(1);
  });

  it('marks the fallback for customers with too little history, and scores prospects without models', () => {
    const { context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    const newcomer = customerFacts({ dailySpend: { '1997-09-28': 20 } }, CALIBRATION_END, 365);
    const scores = scorer.score(newcomer, undefined);
    expect(scores.churn?.method).toBe('fallback');
    expect(scores.value?.method).toBe('fallback');
    expect(scores.churn?.pAlive).toBe(1);
    expect(scores.lifecycle).toEqual({ stage: 'new', since: CALIBRATION_END });
    const prospect = scorer.score(customerFacts({}, CALIBRATION_END, 365), undefined);
    expect(prospect).toEqual({
      asOf: CALIBRATION_END,
      runId: RUN.runId,
      lifecycle: { stage: 'prospect', since: CALIBRATION_END },
    });
  });

  it('keeps every score in range for any history, hundreds of purchases and zero-value days included (property)', () => {
    const { context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    const history = fc.dictionary(
      fc.integer({ min: 0, max: 272 }).map((n) => addDays('1997-01-01', n)),
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 50_000 }).map((c) => c / 100),
      ),
      { maxKeys: 273 },
    );
    fc.assert(
      fc.property(history, (spend) => {
        const facts = customerFacts({ dailySpend: spend }, CALIBRATION_END, 365);
        const scores = scorer.score(facts, undefined);
        if (facts.firstDay === null) {
          expect(scores.lifecycle.stage).toBe('prospect');
          return;
        }
        for (const score of [scores.rfm?.r, scores.rfm?.f, scores.rfm?.m]) {
          expect(score).toBeGreaterThanOrEqual(1);
          expect(score).toBeLessThanOrEqual(5);
        }
        const churn = scores.churn as NonNullable<CustomerScores['churn']>;
        expect(churn.pAlive).toBeGreaterThanOrEqual(0);
        expect(churn.pAlive).toBeLessThanOrEqual(1);
        expect(churn.expected30).toBeLessThanOrEqual(churn.expected90);
        expect(churn.expected90).toBeLessThanOrEqual(churn.expected365);
        expect(churn.expected30).toBeGreaterThanOrEqual(0);
        expect(scores.value?.clv12).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(scores.value?.clv12)).toBe(true);
        expect(DEFAULT_SEGMENTATION_SETTINGS.rfmMap.map((rule) => rule.segment)).toContain(
          scores.rfm?.segment,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same CLV as the CLV model computed customer by customer, though it memoises per (x, t_x, T) (property)', () => {
    const { context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    const models = { bgNbd: context.model.bgNbd?.params, gammaGamma: context.model.gammaGamma?.params };
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.integer({ min: 0, max: 272 }).map((n) => addDays('1997-01-01', n)),
          fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100),
          {
            minKeys: 1,
            maxKeys: 30,
          },
        ),
        (spend) => {
          const facts = customerFacts({ dailySpend: spend }, CALIBRATION_END, 365);
          // Twice, so the second comes from the memo.
          scorer.score(facts, undefined);
          const scores = scorer.score(facts, undefined);
          const direct = customerLifetimeValue(
            {
              x: facts.x,
              tx: facts.txDays / 7,
              T: facts.TDays / 7,
              zbar: facts.zbar,
              averageOrderValue: facts.monetary / facts.purchaseDays,
              recentTransactions: facts.recentPurchaseDays,
            },
            models,
            { months: 12, annualDiscountRate: 0.1, unitDays: 7, minHistoryDays: 7 },
          );
          expect(scores.value?.method).toBe(direct.method);
          expect(Math.abs((scores.value?.clv12 as number) - direct.value)).toBeLessThanOrEqual(
            0.005 + 1e-9 * direct.value,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('scores a customer with 300 purchase days through the model, not a fallback', () => {
    const { context } = cdnowRun();
    const spend = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [addDays('1996-12-01', i), 15]));
    // Every day from 1996-12-01 to 1997-09-26, scored the day after the last purchase.
    const scores = createScorer(context, SETTINGS, { asOf: '1997-09-27', runId: 'r' }).score(
      customerFacts({ dailySpend: spend }, '1997-09-27', 365),
      undefined,
    );
    expect(scores.churn?.method).toBe('model');
    expect(scores.churn?.pAlive).toBeGreaterThan(0.9);
    expect(scores.churn?.expected30).toBeGreaterThan(5);
    expect(scores.value?.method).toBe('model');
  });

  it('re-scoring with its own output changes nothing: a re-run of the night converges (property)', () => {
    const { context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    const stages = ['new', 'active', 'loyal', 'at_risk', 'churned', 'reactivated'] as const;
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.integer({ min: 0, max: 400 }).map((n) => addDays('1996-09-01', n)),
          fc.integer({ min: 1, max: 10_000 }).map((c) => c / 100),
          {
            minKeys: 1,
            maxKeys: 40,
          },
        ),
        fc.constantFrom(...stages),
        fc.integer({ min: 1, max: 400 }),
        (spend, previousStage, sinceDaysAgo) => {
          const facts = customerFacts({ dailySpend: spend }, CALIBRATION_END, 365);
          const previous = {
            asOf: '1997-08-31',
            runId: 'earlier',
            lifecycle: { stage: previousStage, since: addDays(CALIBRATION_END, -sinceDaysAgo) },
          };
          const first = scorer.score(facts, previous);
          const again = scorer.score(facts, first);
          expect(again.lifecycle).toEqual(first.lifecycle);
          expect(sameScores(again, first)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('announces a stage change with the date it happened, and keeps the date while the stage holds', () => {
    const { context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    // Last purchase 200 days before asOf: churned, whatever came before.
    const lapsed = customerFacts(
      { dailySpend: { '1997-01-02': 10, '1997-03-14': 10 } },
      CALIBRATION_END,
      365,
    );
    const fromActive = scorer.score(lapsed, {
      asOf: '1997-08-31',
      runId: 'r0',
      lifecycle: { stage: 'active', since: '1997-03-14' },
    });
    expect(fromActive.lifecycle).toEqual({ stage: 'churned', since: CALIBRATION_END });
    const stillChurned = scorer.score(lapsed, {
      asOf: '1997-08-31',
      runId: 'r0',
      lifecycle: { stage: 'churned', since: '1997-08-31' },
    });
    expect(stillChurned.lifecycle).toEqual({ stage: 'churned', since: '1997-08-31' });
  });
});

describe('sameScores', () => {
  const base: CustomerScores = {
    asOf: '2024-01-01',
    runId: 'a',
    rfm: { r: 1, f: 2, m: 3, segment: 'lost' },
    lifecycle: { stage: 'active', since: '2023-12-01' },
  };
  it('ignores which run computed the scores and the order of keys, nothing else', () => {
    expect(sameScores(base, { ...base, asOf: '2024-02-01', runId: 'b' })).toBe(true);
    expect(
      sameScores(base, {
        lifecycle: base.lifecycle,
        rfm: { segment: 'lost', m: 3, f: 2, r: 1 },
        runId: 'c',
        asOf: 'x',
      }),
    ).toBe(true);
    expect(sameScores(base, { ...base, rfm: { r: 1, f: 2, m: 4, segment: 'lost' } })).toBe(false);
    expect(sameScores(base, { ...base, tier: 'low' })).toBe(false);
    expect(sameScores(base, undefined)).toBe(false);
    expect(sameScores(undefined, undefined)).toBe(true);
  });
});

describe('the scoring summary (pass 2 → run summary)', () => {
  it('merges shard partials into the same segment profiles in any order', () => {
    const { facts, context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    const all = [...facts.values()];
    const shards = [0, 1, 2].map((shard) => {
      const accumulator = new ScoringAccumulator(RUN.asOf);
      all.forEach((f, i) => {
        if (i % 3 === shard)
          accumulator.add(f, scorer.score(f, undefined), { gender: i % 2 ? 'female' : 'male' });
      });
      return accumulator.summary();
    });
    const forward = shards.reduce(mergeScoringSummaries, emptyScoringSummary());
    const backward = [...shards].reverse().reduce(mergeScoringSummaries, emptyScoringSummary());
    const ids = segmentIdsOf(DEFAULT_SEGMENTATION_SETTINGS.rfmMap);
    expect(ids).toHaveLength(11);
    // What is stored: the finalised profiles, the KPI partial and the run summary.
    expect(JSON.stringify(finalizeSegments(backward, ids))).toBe(
      JSON.stringify(finalizeSegments(forward, ids)),
    );
    expect(JSON.stringify(backward.kpi)).toBe(JSON.stringify(forward.kpi));
    expect(JSON.stringify(runSummaryOf(backward))).toBe(JSON.stringify(runSummaryOf(forward)));
    const segments = finalizeSegments(forward, ids);
    expect(Object.values(segments).reduce((n, s) => n + s.size, 0)).toBe(2357);
    expect(Object.values(segments).reduce((n, s) => n + s.shareOfPopulation, 0)).toBeCloseTo(1, 10);
    const summary = runSummaryOf(forward);
    expect(summary.customers).toBe(2357);
    expect(Object.values(summary.lifecycle).reduce((a, b) => a + b, 0)).toBe(2357);
    expect(summary.methods['churn:model']).toBeGreaterThan(2000);
  });
});

// The nightly run scores millions of customers, so the scorer and the pass-1 summary take short
// cuts: memos per (x, T), P(alive) with the t_x-free terms computed once, rows counted in nested
// maps, dates as day numbers. Each must give what the formula, computed plainly, gives.
describe('the fast paths equal the straightforward computation', () => {
  /** FHL 2005 eq. (10)'s denominator, as printed: 1 / (1 + δ a/(b+x−1) ((α+T)/(α+t_x))^(r+x)). */
  const pAliveReference = (
    p: { r: number; alpha: number; a: number; b: number },
    x: number,
    tx: number,
    T: number,
  ) => (x === 0 ? 1 : 1 / (1 + (p.a / (p.b + x - 1)) * ((p.alpha + T) / (p.alpha + tx)) ** (p.r + x)));

  /** 2F1(a, b; c; z) by its defining series Σ (a)_k (b)_k / (c)_k z^k / k!. */
  const hyp2f1Reference = (a: number, b: number, c: number, z: number) => {
    let term = 1;
    let sum = 1;
    for (let k = 0; k < 100_000 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
      term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
      sum += term;
    }
    return sum;
  };

  /** FHL 2005 eq. (10) as printed: E[Y(t) | x, t_x, T]. */
  const expectedReference = (
    p: { r: number; alpha: number; a: number; b: number },
    x: number,
    tx: number,
    T: number,
    t: number,
  ) => {
    const { r, alpha, a, b } = p;
    const bracket =
      1 -
      ((alpha + T) / (alpha + T + t)) ** (r + x) *
        hyp2f1Reference(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
    return ((a + b + x - 1) / (a - 1)) * bracket * pAliveReference(p, x, tx, T);
  };

  const histories = fc.dictionary(
    fc.integer({ min: 0, max: 272 }).map((n) => addDays('1997-01-01', n)),
    fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100),
    { minKeys: 1, maxKeys: 25 },
  );

  it('gives P(alive) and the expected purchases of FHL 2005 eq. (10), memo or not (property)', () => {
    const { context } = cdnowRun();
    const params = context.model.bgNbd?.params as { r: number; alpha: number; a: number; b: number };
    const scorer = createScorer(context, SETTINGS, RUN);
    fc.assert(
      fc.property(histories, (spend) => {
        const facts = customerFacts({ dailySpend: spend }, CALIBRATION_END, 365);
        fc.pre(facts.TDays >= DEFAULT_MODEL_SETTINGS.minHistoryDays);
        const [x, tx, T] = [facts.x, facts.txDays / 7, facts.TDays / 7];
        for (const churn of [scorer.score(facts, undefined).churn, scorer.score(facts, undefined).churn]) {
          expect(churn?.method).toBe('model');
          // Scores are rounded to 4 (P(alive)) and 3 (purchases) decimals.
          expect(Math.abs((churn?.pAlive as number) - pAliveReference(params, x, tx, T))).toBeLessThanOrEqual(
            0.00005 + 1e-12,
          );
          [30, 90, 365].forEach((days, i) => {
            const reference = expectedReference(params, x, tx, T, days / 7);
            const scored = [churn?.expected30, churn?.expected90, churn?.expected365][i] as number;
            expect(Math.abs(scored - reference)).toBeLessThanOrEqual(0.0005 + 1e-9 * reference);
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('places each customer in the lifecycle stage the rules give on the dates themselves (property)', () => {
    const { context } = cdnowRun();
    const scorer = createScorer(context, SETTINGS, RUN);
    const stages = fc.constantFrom(...LIFECYCLE_STAGES.filter((stage) => stage !== 'prospect'));
    // Few purchase days, often in the last weeks, so the day-exact boundaries (new for 30 days, at
    // risk after twice the interval) are crossed often.
    const recentHistories = fc.dictionary(
      fc
        .oneof(fc.integer({ min: 0, max: 272 }), fc.integer({ min: 220, max: 272 }))
        .map((n) => addDays('1997-01-01', n)),
      fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100),
      { minKeys: 1, maxKeys: 4 },
    );
    const since = fc.oneof(
      fc.integer({ min: 0, max: 272 }).map((n) => addDays('1997-01-01', n)),
      fc.integer({ min: 0, max: 272 * 24 }).map((h) => new Date(Date.UTC(1997, 0, 1, h)).toISOString()),
    );
    fc.assert(
      fc.property(recentHistories, fc.option(fc.record({ stage: stages, since })), (spend, before) => {
        const facts = customerFacts({ dailySpend: spend }, CALIBRATION_END, 365);
        const previous: CustomerScores | undefined = before
          ? { asOf: '1997-09-01', runId: 'earlier', lifecycle: before }
          : undefined;
        const scores = scorer.score(facts, previous);
        const expected = lifecycleStageFor(
          {
            asOf: CALIBRATION_END,
            firstOrderAt: facts.firstDay,
            lastOrderAt: facts.lastDay,
            orderCount: facts.orders,
            previousStage: previous?.lifecycle.stage ?? null,
            previousStageSince: previous?.lifecycle.since ?? null,
            pAlive: scores.churn?.method === 'model' ? scores.churn.pAlive : null,
          },
          DEFAULT_SEGMENTATION_SETTINGS.lifecycle,
        );
        expect(scores.lifecycle.stage).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('summarises the population into the rows and counts a plain grouping gives (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(histories, { freq: 5 }), { maxLength: 60 }), (population) => {
        const facts = population.map((spend) =>
          customerFacts({ dailySpend: spend ?? {} }, CALIBRATION_END, 365),
        );
        const summary = summaryOf(facts);
        // Plain grouping: string keys, then sorted by the numbers.
        const group = (rows: number[][]) => {
          const counts = new Map<string, number[]>();
          for (const row of rows) {
            const key = JSON.stringify(row);
            const existing = counts.get(key);
            if (existing) existing.push(1);
            else counts.set(key, [1]);
          }
          return [...counts]
            .map(([key, ones]) => [...(JSON.parse(key) as number[]), ones.length])
            .sort((u, v) => {
              // By the first number, then the second, … (the count last, never compared).
              const i = u.findIndex((value, k) => value !== v[k]);
              return i === -1 || i === u.length - 1 ? 0 : (u[i] as number) - (v[i] as number);
            });
        };
        const buyers = facts.filter((f) => f.recencyDays !== null);
        expect(summary.customers).toBe(population.length);
        expect(summary.buyers).toBe(buyers.length);
        expect(summary.purchases).toEqual(group(buyers.map((f) => [f.x, f.txDays, f.TDays])));
        expect(summary.spend).toEqual(group(buyers.filter((f) => f.x > 0).map((f) => [f.x, f.zbar])));
        const counted = (values: number[], resolution: number) => {
          const units = values.map((v) => Math.round(v / resolution) + 0).sort((a, b) => a - b);
          const keys = [...new Set(units)];
          return { keys, counts: keys.map((key) => units.filter((u) => u === key).length) };
        };
        expect(summary.recency).toMatchObject(
          counted(
            buyers.map((f) => f.recencyDays as number),
            1,
          ),
        );
        expect(summary.frequency).toMatchObject(
          counted(
            buyers.map((f) => f.orders),
            1,
          ),
        );
        expect(summary.monetary).toMatchObject(
          counted(
            buyers.map((f) => f.monetary),
            0.01,
          ),
        );
        // Merging shard summaries goes through the same row counts.
        const half = Math.floor(facts.length / 2);
        expect(
          mergePopulationSummaries(summaryOf(facts.slice(half)), summaryOf(facts.slice(0, half))),
        ).toEqual(summary);
      }),
      { numRuns: 200 },
    );
  });
});
