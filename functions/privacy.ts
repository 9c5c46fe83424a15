import { privacyContract } from '../shared/api/privacy-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import { queryAudit } from '../shared/use-cases/audit-trail.js';
import { exportCustomer } from '../shared/use-cases/customer-export.js';
import { privacyRoutes } from '../shared/app.js';

export const handler = httpHandler(privacyRoutes, privacyContract, {
  'GET /customers/{id}/export': async ({ params }) => ({ body: await exportCustomer(params.id) }),
  'GET /audit': async ({ query }) => ({ body: await queryAudit(query) }),
});
