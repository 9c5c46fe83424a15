import { complaintsContract } from '../shared/api/complaints-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import {
  getComplaint,
  listComplaints,
  openComplaint,
  transitionComplaint,
} from '../shared/use-cases/complaints.js';
import { complaintsRoutes } from '../shared/app.js';

export const handler = httpHandler(complaintsRoutes, complaintsContract, {
  'POST /customers/{id}/complaints': async ({ params, body }) => {
    const complaint = await openComplaint(params.id, body);
    return {
      status: 201,
      body: complaint,
      headers: { location: `/customers/${params.id}/complaints/${complaint.id}` },
    };
  },
  'GET /customers/{id}/complaints/{complaintId}': async ({ params }) => ({
    body: await getComplaint(params.id, params.complaintId),
  }),
  'POST /customers/{id}/complaints/{complaintId}/transition': async ({ params, body, principal }) => ({
    body: await transitionComplaint(params.id, params.complaintId, body, principal?.subject),
  }),
  'GET /complaints': async ({ query }) => ({
    body: await listComplaints(query.status, query.limit, query.cursor),
  }),
});
