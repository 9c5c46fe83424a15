import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { customerViewSchema } from '../domain/customer.js';
import { contract } from '../http/handler.js';
import { idempotencyHeader } from '../http/idempotency.js';
import { customerIdParams } from './customer-id.js';

export const mergeBodySchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** The duplicate profile, merged into the one in the path and then gone (301 to the survivor). */
    duplicateId: customerIdParams.shape.id,
  }),
);

export const mergeResultSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    customer: customerViewSchema,
    mergedId: z.string(),
    movedItems: z.number(),
  }),
);

export const customerMergeContract = contract({
  'POST /customers/{id}/merge': {
    params: customerIdParams,
    body: mergeBodySchema,
    response: mergeResultSchema,
    headers: idempotencyHeader,
  },
});
