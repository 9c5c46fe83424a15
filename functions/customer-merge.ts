import { customerMergeContract } from '../shared/api/customer-merge-contract.js';
import { customerMergeRoutes } from '../shared/app.js';
import { httpHandler } from '../shared/http/handler.js';
import { etagOf } from '../shared/use-cases/customer-profiles.js';
import { mergeCustomers } from '../shared/use-cases/merge-customers.js';

export const handler = httpHandler(customerMergeRoutes, customerMergeContract, {
  'POST /customers/{id}/merge': async ({ params, body }) => {
    const result = await mergeCustomers(params.id, body.duplicateId);
    return { body: result, headers: { etag: etagOf(result.customer) } };
  },
});
