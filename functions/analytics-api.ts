import { analyticsContract } from '../shared/api/analytics-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import {
  getKpis,
  getModel,
  getSegment,
  listSegments,
  setAcquisitionCosts,
} from '../shared/use-cases/analytics-reports.js';
import { analyticsApiRoutes } from '../shared/app.js';

export const handler = httpHandler(analyticsApiRoutes, analyticsContract, {
  'GET /analytics/model': async ({ query }) => ({ body: (await getModel(query.asOf)) as never }),
  'GET /segments': async ({ query }) => ({ body: await listSegments(query.asOf) }),
  'GET /segments/{name}': async ({ params, query }) => ({ body: await getSegment(params.name, query.asOf) }),
  'GET /analytics/kpis': async ({ query }) => ({ body: await getKpis(query) }),
  'PUT /analytics/acquisition-costs': async ({ body }) => ({ body: await setAcquisitionCosts(body) }),
});
