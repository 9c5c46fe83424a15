import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { itemErrorFields } from './shared-schemas.js';
import { createCustomerSchema } from '../domain/customer.js';
import {
  businessIdSchema,
  MAX_ORDER_BATCH,
  orderInputSchema,
  orderViewSchema,
  refundInputSchema,
} from '../domain/order.js';
import { contract } from '../http/handler.js';
import { idempotencyHeader } from '../http/idempotency.js';
import { customerIdParams } from './customer-id.js';

export const orderParams = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    id: customerIdParams.shape.id,
    orderId: businessIdSchema,
  }),
);

/** A batch entry: an order plus whose it is (exactly one of customerId, externalId, email). */
export const batchOrderSchema = /* @__PURE__ */ lazy(() =>
  z
    .extend(orderInputSchema, {
      customerId: z.optional(customerIdParams.shape.id),
      externalId: createCustomerSchema.shape.externalId,
      email: createCustomerSchema.shape.email,
    })
    .check(
      z.refine((entry) => [entry.customerId, entry.externalId, entry.email].filter(Boolean).length === 1, {
        message: 'give exactly one of customerId, externalId, email',
        path: ['customerId'],
      }),
    ),
);

export const orderBatchSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /**
     * Each entry is an order (as in POST /customers/{id}/orders) plus exactly one of `customerId`,
     * `externalId`, `email`. Entries are validated one by one and answered in `results` at the same
     * index: one bad entry never fails the others.
     */
    orders: z
      .array(z.unknown(), { error: 'must be an array of orders' })
      .check(
        z.minLength(1, 'give at least one order'),
        z.maxLength(MAX_ORDER_BATCH, `at most ${MAX_ORDER_BATCH} orders per call`),
      ),
    /** Create a profile for an `externalId` no customer has yet. */
    createMissing: z.optional(z.boolean()),
  }),
);

export const orderBatchResultSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    created: z.number(),
    duplicates: z.number(),
    errors: z.number(),
    customersCreated: z.number(),
    results: z.array(
      z.object({
        index: z.number(),
        status: z.enum(['created', 'duplicate', 'error']),
        orderId: z.optional(z.string()),
        customerId: z.optional(z.string()),
        customerCreated: z.optional(z.boolean()),
        /** The order's value in the business currency, as recorded (the first time). */
        value: z.optional(z.number()),
        /** Why this order was refused: the HTTP status it would have had alone, and the fields. */
        error: z.optional(
          z.object({
            ...itemErrorFields(),
            redirectTo: z.optional(z.string()),
          }),
        ),
      }),
    ),
  }),
);

export const refundResultSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    order: orderViewSchema,
    refund: z.object({
      refundId: z.string(),
      kind: z.string(),
      amount: z.number(),
      value: z.number(),
      reason: z.optional(z.string()),
      at: z.string(),
    }),
  }),
);

export const ordersContract = contract({
  'POST /customers/{id}/orders': {
    params: customerIdParams,
    body: orderInputSchema,
    response: orderViewSchema,
    status: 201,
    headers: idempotencyHeader,
  },
  'POST /orders/batch': {
    body: orderBatchSchema,
    response: orderBatchResultSchema,
    maxBodyBytes: 1024 * 1024,
    headers: idempotencyHeader,
  },
  'POST /customers/{id}/orders/{orderId}/refund': {
    params: orderParams,
    body: refundInputSchema,
    response: refundResultSchema,
    status: 201,
    headers: idempotencyHeader,
  },
});
