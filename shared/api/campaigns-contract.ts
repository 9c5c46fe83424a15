import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import {
  CAMPAIGN_ID,
  campaignInputSchema,
  campaignViewSchema,
  listSummarySchema,
  RUN_ID,
} from '../domain/campaign.js';
import {
  definitionIdParams,
  segmentDefinitionInputSchema,
  segmentDefinitionViewSchema,
} from '../domain/segment-definition.js';
import { contract } from '../http/handler.js';

const pageQuery = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
    cursor: z.optional(z.string().check(z.maxLength(2048))),
  }),
);

const page = <S extends z.core.$ZodType>(item: S) =>
  z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });

const ifMatch = {
  'If-Match': {
    required: false,
    description: 'ETag of the version being replaced, e.g. "3": refused with 412 if it changed',
  },
};

export const segmentDefinitionsContract = contract({
  'POST /segments/definitions': {
    body: segmentDefinitionInputSchema,
    response: segmentDefinitionViewSchema,
    status: 201,
  },
  'GET /segments/definitions': { query: pageQuery, response: page(segmentDefinitionViewSchema) },
  'GET /segments/definitions/{id}': { params: definitionIdParams, response: segmentDefinitionViewSchema },
  'PUT /segments/definitions/{id}': {
    params: definitionIdParams,
    body: segmentDefinitionInputSchema,
    response: segmentDefinitionViewSchema,
    headers: ifMatch,
  },
  'DELETE /segments/definitions/{id}': { params: definitionIdParams, status: 204 },
  'POST /segments/definitions/{id}/preview': {
    params: definitionIdParams,
    response: lazy(() =>
      z.object({
        definitionId: z.string(),
        asOf: z.string(),
        count: z.number(),
        exact: z.boolean(),
        reachable: z.object({ email: z.number(), sms: z.number(), push: z.number() }),
        scanned: z.number(),
        sample: z.array(
          z.object({
            id: z.string(),
            name: z.optional(z.string()),
            region: z.optional(z.string()),
            city: z.optional(z.string()),
            rfmSegment: z.optional(z.string()),
            tier: z.optional(z.string()),
            lifecycle: z.optional(z.string()),
            churnProbability: z.optional(z.number()),
            clv: z.optional(z.number()),
            daysSinceLastOrder: z.optional(z.number()),
          }),
        ),
      }),
    ),
  },
});

const campaignIdParams = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    id: z.string().check(z.regex(CAMPAIGN_ID, 'must be a campaign id like cpg_01J…')),
  }),
);

const runParams = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    id: campaignIdParams.shape.id,
    runId: z.string().check(z.regex(RUN_ID, 'must be a run id: the list date, YYYY-MM-DD')),
  }),
);

export const runViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    campaignId: z.string(),
    runId: z.string(),
    asOf: z.string(),
    status: z.string(),
    trigger: z.string(),
    analyticsRunId: z.optional(z.string()),
    generatedAt: z.string(),
    error: z.optional(z.string()),
    fileName: z.optional(z.string()),
    bytes: z.optional(z.number()),
    summary: z.optional(listSummarySchema),
    previousSize: z.optional(z.number()),
    noticesSent: z.optional(z.number()),
  }),
);

export const campaignsContract = contract({
  'POST /campaigns': { body: campaignInputSchema, response: campaignViewSchema, status: 201 },
  'GET /campaigns': { query: pageQuery, response: page(campaignViewSchema) },
  'GET /campaigns/{id}': { params: campaignIdParams, response: campaignViewSchema },
  'PUT /campaigns/{id}': {
    params: campaignIdParams,
    body: campaignInputSchema,
    response: campaignViewSchema,
    headers: ifMatch,
  },
  'DELETE /campaigns/{id}': { params: campaignIdParams, status: 204 },
  'GET /campaigns/{id}/runs': { params: campaignIdParams, query: pageQuery, response: page(runViewSchema) },
  'GET /campaigns/{id}/runs/{runId}': { params: runParams, response: runViewSchema },
  'GET /campaigns/{id}/runs/{runId}/download': { params: runParams, status: 302 },
});
