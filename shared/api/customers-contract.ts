import * as z from 'zod/mini';
import { createCustomerSchema, customerViewSchema, patchCustomerSchema } from '../domain/customer.js';
import { contract } from '../http/handler.js';

export const customerIdParams = z.strictObject({
  id: z.string().check(z.regex(/^cus_[0-9A-Z]{26}$/, 'must be a customer id like cus_01J…')),
});

const pageSize = z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 25);

export const customerListQuery = z.strictObject({
  limit: pageSize,
  cursor: z.optional(z.string().check(z.maxLength(2048))),
  email: z.optional(z.email()),
  phone: z.optional(z.string().check(z.maxLength(32))),
  externalId: z.optional(z.string().check(z.maxLength(128))),
  tag: z.optional(z.string().check(z.maxLength(40))),
});

export const customerPageSchema = z.object({
  items: z.array(customerViewSchema),
  nextCursor: z.optional(z.string()),
});

export const customersContract = contract({
  'POST /customers': { body: createCustomerSchema, response: customerViewSchema, status: 201 },
  'GET /customers': { query: customerListQuery, response: customerPageSchema },
  'GET /customers/{id}': { params: customerIdParams, response: customerViewSchema },
  'PATCH /customers/{id}': {
    params: customerIdParams,
    body: patchCustomerSchema,
    response: customerViewSchema,
    headers: { 'If-Match': { required: true, description: 'ETag of the version being changed, e.g. "3"' } },
  },
  'DELETE /customers/{id}': { params: customerIdParams, status: 204 },
});
