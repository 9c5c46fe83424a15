import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { itemErrorFields, pageQueryFields } from './shared-schemas.js';
import { eventInputSchema, eventReceiptSchema, MAX_BATCH } from '../domain/activity-events.js';
import { feedbackInputSchema, feedbackViewSchema } from '../domain/feedback.js';
import { kindFilterSchema, timelineEntrySchema } from '../domain/timeline.js';
import { contract } from '../http/handler.js';
import { customerIdParams } from './customer-id.js';

export const eventBatchSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** Each event is validated on its own and answered in `results` at the same index. */
    events: z
      .array(z.unknown(), { error: 'must be an array of events' })
      .check(
        z.minLength(1, 'give at least one event'),
        z.maxLength(MAX_BATCH, `at most ${MAX_BATCH} events per call`),
      ),
  }),
);

export const eventBatchResultSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    created: z.number(),
    duplicates: z.number(),
    errors: z.number(),
    results: z.array(
      z.object({
        index: z.number(),
        status: z.enum(['created', 'duplicate', 'error']),
        eventId: z.optional(z.string()),
        customerId: z.optional(z.string()),
        kind: z.optional(z.string()),
        at: z.optional(z.string()),
        /** Why this event was refused: the HTTP status it would have had alone, and the fields. */
        error: z.optional(
          z.object({
            ...itemErrorFields(),
          }),
        ),
      }),
    ),
  }),
);

export const timelineQuery = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    ...pageQueryFields(),
    kind: z.optional(kindFilterSchema),
  }),
);

export const timelinePageSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    items: z.array(timelineEntrySchema),
    nextCursor: z.optional(z.string()),
  }),
);

export const activityContract = contract({
  'POST /customers/{id}/events': {
    params: customerIdParams,
    body: eventInputSchema,
    response: eventReceiptSchema,
    status: 201,
  },
  'POST /events/batch': { body: eventBatchSchema, response: eventBatchResultSchema },
  'POST /customers/{id}/feedback': {
    params: customerIdParams,
    body: feedbackInputSchema,
    response: feedbackViewSchema,
    status: 201,
  },
  'GET /customers/{id}/timeline': {
    params: customerIdParams,
    query: timelineQuery,
    response: timelinePageSchema,
  },
});
