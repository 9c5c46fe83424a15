// Win-back: `customer.lifecycle.changed` events into at_risk / churned (rule in shared/app.ts),
// and the hourly `winback` job (deferred win-backs, order attribution).
// Logic: shared/use-cases/messaging/winback.ts.
import * as z from 'zod/mini';
import { log } from '../shared/log.js';
import { fixedClock, messagingDeps } from '../shared/use-cases/messaging/deps.js';
import { jobInputSchema, jobInstant } from '../shared/use-cases/messaging/job-input.js';
import { handleLifecycleChange, runWinbackJob } from '../shared/use-cases/messaging/winback.js';

const lifecycleEventSchema = z.object({
  'detail-type': z.literal('customer.lifecycle.changed'),
  detail: z.unknown(),
});

export const handler = async (event: unknown) => {
  const job = z.safeParse(jobInputSchema, event);
  if (job.success) return runWinbackJob(messagingDeps({ clock: fixedClock(jobInstant(job.data)) }));
  // Anything else must be the rule's event; a malformed one fails loudly (retried, then dead-lettered).
  const change = z.parse(lifecycleEventSchema, event);
  const outcome = await handleLifecycleChange(change.detail, messagingDeps());
  log.info('win-back decided', { outcome: outcome.outcome });
  return outcome;
};
