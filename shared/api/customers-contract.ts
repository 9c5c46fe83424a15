import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { createCustomerSchema, customerViewSchema, patchCustomerSchema } from '../domain/customer.js';
import { LIFECYCLE_STAGES, VALUE_TIERS } from '../domain/customer-scores.js';
import { contract } from '../http/handler.js';
import { customerScoresSchema, segmentName } from './analytics-contract.js';
import { customerIdParams } from './customer-id.js';

export { customerIdParams };

const pageSize = /* @__PURE__ */ lazy(() =>
  z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25),
);

export const customerListQuery = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    limit: pageSize,
    cursor: z.optional(z.string().check(z.maxLength(2048))),
    email: z.optional(z.email()),
    phone: z.optional(z.string().check(z.maxLength(32))),
    externalId: z.optional(z.string().check(z.maxLength(128))),
    tag: z.optional(z.string().check(z.maxLength(40))),
    /** Members of an RFM segment, lifecycle stage or value tier (nightly scores; each has its index). */
    segment: z.optional(segmentName),
    lifecycle: z.optional(z.enum(LIFECYCLE_STAGES)),
    tier: z.optional(z.enum(VALUE_TIERS)),
  }),
);

/** A profile with the scores the nightly analytics keep on it. */
export const customerWithScoresSchema = /* @__PURE__ */ lazy(() =>
  z.extend(customerViewSchema, {
    scores: z.optional(customerScoresSchema),
  }),
);

export const customerPageSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    items: z.array(customerWithScoresSchema),
    nextCursor: z.optional(z.string()),
  }),
);

export const customersContract = contract({
  'POST /customers': { body: createCustomerSchema, response: customerViewSchema, status: 201 },
  'GET /customers': { query: customerListQuery, response: customerPageSchema },
  'GET /customers/{id}': { params: customerIdParams, response: customerWithScoresSchema },
  'PATCH /customers/{id}': {
    params: customerIdParams,
    body: patchCustomerSchema,
    response: customerViewSchema,
    headers: { 'If-Match': { required: true, description: 'ETag of the version being changed, e.g. "3"' } },
  },
  'DELETE /customers/{id}': { params: customerIdParams, status: 204 },
});
