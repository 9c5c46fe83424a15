import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { AUDIT_ACTIONS, CUSTOMER_ID_PATTERN } from '../domain/privacy.js';
import { contract } from '../http/handler.js';
import { customerIdParams } from './customer-id.js';

const record = /* @__PURE__ */ lazy(() => z.record(z.string(), z.unknown()));

export const customerExportSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    customerId: z.string(),
    exportedAt: z.string(),
    profile: record,
    items: z.record(z.string(), z.array(record)),
  }),
);

const day = /* @__PURE__ */ lazy(() =>
  z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD')),
);
const instant = /* @__PURE__ */ lazy(() => z.iso.datetime({ offset: false }));

export const auditQuery = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      customerId: z.optional(
        z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'must be a customer id like cus_01J…')),
      ),
      day: z.optional(day),
      subject: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      from: z.optional(instant),
      to: z.optional(instant),
      limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50),
      cursor: z.optional(z.string().check(z.maxLength(2048))),
    })
    .check(
      z.refine((query) => Boolean(query.customerId) !== Boolean(query.day), {
        message: 'give either customerId or day (YYYY-MM-DD), not both',
        path: ['customerId'],
      }),
    ),
);

export const auditEntrySchema = /* @__PURE__ */ lazy(() =>
  z.object({
    at: z.string(),
    subject: z.string(),
    roles: z.array(z.string()),
    action: z.enum(AUDIT_ACTIONS),
    route: z.string(),
    requestId: z.string(),
    status: z.number(),
    customerIds: z.array(z.string()),
  }),
);

export const privacyContract = contract({
  'GET /customers/{id}/export': { params: customerIdParams, response: customerExportSchema },
  'GET /audit': {
    query: auditQuery,
    response: lazy(() => z.object({ items: z.array(auditEntrySchema), nextCursor: z.optional(z.string()) })),
  },
});
