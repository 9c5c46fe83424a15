// The hourly birthday job (schedule `birthday` in shared/app.ts; `npm run job -- birthday
// [--as-of YYYY-MM-DD]`). Logic: shared/use-cases/messaging/birthday.ts.

import * as z from 'zod/mini';
import { runBirthdayJob } from '../shared/use-cases/messaging/birthday.js';
import { fixedClock, messagingDeps } from '../shared/use-cases/messaging/deps.js';
import { jobInputSchema, jobInstant } from '../shared/use-cases/messaging/job-input.js';

export const handler = async (event: unknown) => {
  const input = z.parse(jobInputSchema, event);
  return runBirthdayJob({ asOf: input.asOf }, messagingDeps({ clock: fixedClock(jobInstant(input)) }));
};
