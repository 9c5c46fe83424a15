// The campaign-list generator: runs when the nightly analytics announce a completed run
// (`analytics.run.completed`, detail `{ runId, asOf, summary }`) and as the `campaign-lists` job
// (`{ job: 'campaign-lists', asOf? }`: the schedule's safety net and `npm run job -- campaign-lists`).
import * as z from 'zod/mini';
import { isCalendarDate } from '../shared/domain/time.js';
import { generateCampaignLists, todayAsOf } from '../shared/use-cases/campaign-lists.js';

const asOf = z.string().check(z.refine(isCalendarDate, 'must be a date, YYYY-MM-DD'));

const jobInput = z.object({ job: z.literal('campaign-lists'), asOf: z.optional(asOf) });
const analyticsCompleted = z.object({
  'detail-type': z.literal('analytics.run.completed'),
  detail: z.object({ runId: z.string(), asOf }),
});

export async function handler(event: unknown) {
  const job = z.safeParse(jobInput, event);
  if (job.success) {
    return generateCampaignLists({ asOf: job.data.asOf ?? todayAsOf(), trigger: 'job' });
  }
  const completed = z.safeParse(analyticsCompleted, event);
  if (completed.success) {
    const { runId, asOf: day } = completed.data.detail;
    return generateCampaignLists({ asOf: day, trigger: 'analytics', analyticsRunId: runId });
  }
  // Neither shape: a wiring mistake, not something a retry fixes. Say what arrived (no data in it).
  throw new Error(`campaign-lists: unexpected input ${JSON.stringify(Object.keys((event as object) ?? {}))}`);
}
