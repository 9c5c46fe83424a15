import { campaignsContract } from '../shared/api/campaigns-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import {
  createCampaign,
  deleteCampaign,
  downloadRun,
  getCampaign,
  getRun,
  listCampaigns,
  listRuns,
  replaceCampaign,
} from '../shared/use-cases/campaigns.js';
import { etagOf, versionFromETag } from '../shared/use-cases/customer-profiles.js';
import { campaignsApiRoutes } from '../shared/app.js';

export const handler = httpHandler(campaignsApiRoutes, campaignsContract, {
  'POST /campaigns': async ({ body }) => {
    const campaign = await createCampaign(body);
    return {
      status: 201,
      body: campaign,
      headers: { etag: etagOf(campaign), location: `/campaigns/${campaign.id}` },
    };
  },
  'GET /campaigns': async ({ query }) => ({ body: await listCampaigns(query.limit, query.cursor) }),
  'GET /campaigns/{id}': async ({ params }) => {
    const campaign = await getCampaign(params.id);
    return { body: campaign, headers: { etag: etagOf(campaign) } };
  },
  'PUT /campaigns/{id}': async ({ params, body, headers }) => {
    const expected = headers['if-match'] ? versionFromETag(headers['if-match']) : undefined;
    const campaign = await replaceCampaign(params.id, body, expected);
    return { body: campaign, headers: { etag: etagOf(campaign) } };
  },
  'DELETE /campaigns/{id}': async ({ params }) => {
    await deleteCampaign(params.id);
    return { status: 204 };
  },
  'GET /campaigns/{id}/runs': async ({ params, query }) => ({
    body: await listRuns(params.id, query.limit, query.cursor),
  }),
  'GET /campaigns/{id}/runs/{runId}': async ({ params }) => ({ body: await getRun(params.id, params.runId) }),
  'GET /campaigns/{id}/runs/{runId}/download': async ({ params, principal, event }) => {
    const url = await downloadRun(params.id, params.runId, {
      subject: principal?.subject ?? 'unknown',
      requestId: event.requestContext.requestId,
    });
    return { status: 302, headers: { location: url, 'cache-control': 'no-store' } };
  },
});
