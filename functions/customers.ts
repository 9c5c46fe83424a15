import { customersContract } from '../shared/api/customers-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import {
  createCustomer,
  eraseCustomer,
  etagOf,
  getCustomer,
  listCustomers,
  updateCustomer,
  versionFromETag,
} from '../shared/use-cases/customer-profiles.js';
import { customersRoutes } from '../shared/app.js';

export const handler = httpHandler(customersRoutes, customersContract, {
  'POST /customers': async ({ body }) => {
    const customer = await createCustomer(body);
    return {
      status: 201,
      body: customer,
      headers: { etag: etagOf(customer), location: `/customers/${customer.id}` },
    };
  },
  'GET /customers': async ({ query }) => {
    const { limit, cursor, ...filter } = query;
    return { body: await listCustomers(filter, limit, cursor) };
  },
  'GET /customers/{id}': async ({ params }) => {
    const customer = await getCustomer(params.id);
    return { body: customer, headers: { etag: etagOf(customer) } };
  },
  'PATCH /customers/{id}': async ({ params, body, headers }) => {
    const customer = await updateCustomer(params.id, body, versionFromETag(headers['if-match']));
    return { body: customer, headers: { etag: etagOf(customer) } };
  },
  'DELETE /customers/{id}': async ({ params }) => {
    await eraseCustomer(params.id);
    return { status: 204 };
  },
});
