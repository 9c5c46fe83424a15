import { activityContract } from '../shared/api/activity-contract.js';
import { httpHandler } from '../shared/http/handler.js';
import { toProblem } from '../shared/http/problem.js';
import { readTimeline, recordEvent, recordEventBatch, recordFeedback } from '../shared/use-cases/activity.js';
import { activityRoutes } from '../shared/app.js';

export const handler = httpHandler(activityRoutes, activityContract, {
  'POST /customers/{id}/events': async ({ params, body }) => {
    const receipt = await recordEvent(params.id, body);
    return { status: receipt.status === 'created' ? 201 : 200, body: receipt };
  },
  'POST /events/batch': async ({ body }) => {
    const outcomes = await recordEventBatch(body.events);
    const results = outcomes.map((outcome) => {
      const ids = { index: outcome.index, eventId: outcome.eventId, customerId: outcome.customerId };
      if ('receipt' in outcome) {
        const { status, kind, at } = outcome.receipt;
        return { ...ids, status, kind, at };
      }
      // The same problem the event would have had alone (404 unknown customer, 400 naming the field…).
      const { problem } = toProblem(outcome.error);
      const { status, title, detail } = problem;
      // An unknown (404), erased (410) or merged (301) customer is this event's customerId at fault.
      const customerAtFault = [301, 404, 410].includes(status);
      const errors =
        problem.errors ??
        (customerAtFault
          ? [{ field: `events.${outcome.index}.customerId`, message: detail ?? title }]
          : undefined);
      return { ...ids, status: 'error' as const, error: { status, title, detail, errors } };
    });
    const count = (status: string) => results.filter((result) => result.status === status).length;
    return {
      body: { created: count('created'), duplicates: count('duplicate'), errors: count('error'), results },
    };
  },
  'POST /customers/{id}/feedback': async ({ params, body }) => {
    const { feedback, created } = await recordFeedback(params.id, body);
    return { status: created ? 201 : 200, body: feedback };
  },
  'GET /customers/{id}/timeline': async ({ params, query }) => {
    return {
      body: await readTimeline(params.id, { limit: query.limit, cursor: query.cursor, kinds: query.kind }),
    };
  },
});
