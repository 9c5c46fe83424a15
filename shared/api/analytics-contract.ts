import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { LIFECYCLE_STAGES, VALUE_TIERS } from '../domain/customer-scores.js';
import { contract } from '../http/handler.js';

const date = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')),
);
const month = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')),
);
/** Segment ids and channel names as they appear in index keys and settings. */
export const segmentName = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a segment id like champions')),
);
const channel = /* @__PURE__ */ lazy(() => z.string().check(z.minLength(1), z.maxLength(64)));

const nullableNumber = /* @__PURE__ */ lazy(() => z.nullable(z.number()));

/** The `scores` attribute of a profile (shared/domain/customer-scores.ts) as responses show it. */
export const customerScoresSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    asOf: z.string(),
    runId: z.string(),
    rfm: z.optional(z.object({ r: z.number(), f: z.number(), m: z.number(), segment: z.string() })),
    tier: z.optional(z.enum(VALUE_TIERS)),
    membership: z.optional(z.string()),
    lifecycle: z.object({ stage: z.enum(LIFECYCLE_STAGES), since: z.string() }),
    churn: z.optional(
      z.object({
        pAlive: z.number(),
        expected30: z.number(),
        expected90: z.number(),
        expected365: z.number(),
        method: z.enum(['model', 'fallback']),
      }),
    ),
    value: z.optional(
      z.object({ expectedOrderValue: z.number(), clv12: z.number(), method: z.enum(['model', 'fallback']) }),
    ),
  }),
);

const fitSchema = /* @__PURE__ */ lazy(() => ({
  logLikelihood: z.number(),
  customers: z.number(),
  converged: z.boolean(),
  iterations: z.number(),
}));

export const modelSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    asOf: z.string(),
    runId: z.string(),
    /** The unit t_x, T and alpha are measured in. */
    timeUnit: z.literal('week'),
    customers: z.number(),
    buyers: z.number(),
    bgNbd: z.nullable(
      z.object({
        params: z.object({ r: z.number(), alpha: z.number(), a: z.number(), b: z.number() }),
        rows: z.number(),
        /** The grid (days) t_x and T were rounded to for the fit; 1 = exact. */
        resolutionDays: z.number(),
        ...fitSchema,
      }),
    ),
    gammaGamma: z.nullable(
      z.object({
        params: z.object({ p: z.number(), q: z.number(), gamma: z.number() }),
        excluded: z.number(),
        ...fitSchema,
      }),
    ),
    fallbackReasons: z.object({ bgNbd: z.optional(z.string()), gammaGamma: z.optional(z.string()) }),
    fitMillis: z.number(),
  }),
);

const share = /* @__PURE__ */ lazy(() => z.object({ count: z.number(), share: z.number() }));

export const segmentSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    name: z.string(),
    label: z.string(),
    size: z.number(),
    /** Share of the customers with an RFM score (buyers). */
    shareOfPopulation: z.number(),
    spend: z.object({
      total: z.number(),
      average: nullableNumber,
      median: nullableNumber,
      medianExact: z.boolean(),
    }),
    averageFrequency: nullableNumber,
    averageRecencyDays: nullableNumber,
    averageChurnProbability: nullableNumber,
    averageClv: nullableNumber,
    gender: z.record(z.string(), share),
    ageBand: z.record(z.string(), share),
    region: z.record(z.string(), share),
    /** The segment in the last runs, oldest first (the newest is this run). */
    trend: z.array(
      z.object({
        asOf: z.string(),
        size: z.number(),
        shareOfPopulation: z.number(),
        averageSpend: nullableNumber,
        averageChurnProbability: nullableNumber,
        averageClv: nullableNumber,
      }),
    ),
  }),
);

const runHeader = /* @__PURE__ */ lazy(() => ({
  asOf: z.string(),
  runId: z.string(),
  customers: z.number(),
  buyers: z.number(),
}));

export const segmentListSchema = /* @__PURE__ */ lazy(() =>
  z.object({ ...runHeader, segments: z.array(segmentSchema) }),
);
export const segmentDetailSchema = /* @__PURE__ */ lazy(() =>
  z.object({ ...runHeader, segment: segmentSchema }),
);

const cacFigure = /* @__PURE__ */ lazy(() =>
  z.object({ cost: nullableNumber, newCustomers: z.number(), cac: nullableNumber }),
);

export const kpisSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    ...runHeader,
    repeatPurchaseRate: nullableNumber,
    averageClv: nullableNumber,
    retention: z.array(
      z.object({
        cohort: z.string(),
        size: z.number(),
        active: z.array(z.number()),
        retention: z.array(z.number()),
      }),
    ),
    acquisition: z.object({
      from: z.string(),
      to: z.string(),
      byChannel: z.record(z.string(), cacFigure),
      total: cacFigure,
    }),
  }),
);

export const acquisitionCostsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    month,
    costs: z
      .record(
        channel,
        z.number().check(z.gte(0, 'must be an amount ≥ 0'), z.lte(1e12, 'is implausibly large')),
      )
      .check(z.refine((costs) => Object.keys(costs).length <= 200, 'at most 200 channels')),
  }),
);

export const analyticsContract = contract({
  'GET /analytics/model': {
    query: lazy(() => z.strictObject({ asOf: z.optional(date) })),
    response: modelSchema,
  },
  'GET /segments': {
    query: lazy(() => z.strictObject({ asOf: z.optional(date) })),
    response: segmentListSchema,
  },
  'GET /segments/{name}': {
    params: lazy(() => z.strictObject({ name: segmentName })),
    query: lazy(() => z.strictObject({ asOf: z.optional(date) })),
    response: segmentDetailSchema,
  },
  'GET /analytics/kpis': {
    query: lazy(() =>
      z.strictObject({ asOf: z.optional(date), from: z.optional(month), to: z.optional(month) }),
    ),
    response: kpisSchema,
  },
  'PUT /analytics/acquisition-costs': {
    body: acquisitionCostsSchema,
    response: lazy(() =>
      z.object({ month: z.string(), costs: z.record(z.string(), z.number()), updatedAt: z.string() }),
    ),
  },
});
