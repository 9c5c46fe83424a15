// The input of a messaging job: `{ job }` from the schedule (plus `scheduledTime` when the
// schedule passes EventBridge Scheduler's `<aws.scheduler.scheduled-time>`), `{ job, asOf }` from
// `npm run job -- <job> --as-of YYYY-MM-DD`.
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';

export const jobInputSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    job: z.string(),
    asOf: z.optional(z.iso.date()),
    /**
     * The instant the run stands for. A retried or late invocation of the 09:00 run still greets the
     * 09:00 customers; defaults to the time the run starts.
     */
    scheduledTime: z.optional(z.iso.datetime({ offset: true })),
  }),
);
export type JobInput = z.infer<typeof jobInputSchema>;

export const jobInstant = (input: JobInput): Date =>
  input.scheduledTime ? new Date(input.scheduledTime) : new Date();
