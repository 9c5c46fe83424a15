import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { pageQueryFields } from './shared-schemas.js';
import {
  COMPLAINT_ID,
  complaintInputSchema,
  complaintViewSchema,
  QUEUE_STATUSES,
  transitionInputSchema,
} from '../domain/complaint.js';
import { contract } from '../http/handler.js';
import { complaintSettings } from '../use-cases/activity-settings.js';
import { customerIdParams } from './customer-id.js';

const complaintParams = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    ...customerIdParams.shape,
    complaintId: z.string().check(z.regex(COMPLAINT_ID, 'must be a complaint id like cmp_01J…')),
  }),
);

const complaintBody = /* @__PURE__ */ lazy(() =>
  complaintInputSchema(
    (category) => complaintSettings().categories.includes(category),
    () => complaintSettings().categories,
  ),
);

export const complaintQueueQuery = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    status: z._default(
      z.enum(QUEUE_STATUSES, { error: `must be one of: ${QUEUE_STATUSES.join(', ')}` }),
      'open',
    ),
    ...pageQueryFields(),
  }),
);

export const complaintPageSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    items: z.array(complaintViewSchema),
    nextCursor: z.optional(z.string()),
  }),
);

export const complaintsContract = contract({
  'POST /customers/{id}/complaints': {
    params: customerIdParams,
    body: complaintBody,
    response: complaintViewSchema,
    status: 201,
  },
  'GET /customers/{id}/complaints/{complaintId}': { params: complaintParams, response: complaintViewSchema },
  'POST /customers/{id}/complaints/{complaintId}/transition': {
    params: complaintParams,
    body: transitionInputSchema,
    response: complaintViewSchema,
  },
  'GET /complaints': { query: complaintQueueQuery, response: complaintPageSchema },
});
