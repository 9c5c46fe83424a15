// Fires the declared schedules (shared/app.ts) at the top of each matching minute, in their time
// zone, with the same input EventBridge Scheduler sends on AWS: `{ "job": "<name>", "scheduledTime": "<iso>" }`.
import { allJobs } from '../../shared/app.js';
import { log } from '../../shared/log.js';
import { parseCron } from './cron.js';
import type { LambdaRuntime } from './lambda-runtime.js';

export function startScheduler(runtime: LambdaRuntime, businessTimeZone: string): { stop(): void } {
  const jobs = allJobs().map((job) => ({
    ...job,
    cron: parseCron(job.cron),
    zone: job.timeZone === 'business' ? businessTimeZone : 'UTC',
  }));
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = new Date();
    for (const job of jobs) {
      if (!job.cron.matches(now, job.zone)) continue;
      log.info('local scheduler: firing', { job: job.job });
      runtime
        .invoke(job.functionName, {
          job: job.job,
          scheduledTime: new Date(now.getTime() - (now.getTime() % 60_000)).toISOString(),
        })
        .catch((error: unknown) => {
          log.error('local scheduler: job failed', { job: job.job, error });
        });
    }
    schedule();
  };
  const schedule = () => {
    const now = Date.now();
    timer = setTimeout(tick, 60_000 - (now % 60_000) + 50);
    timer.unref();
  };
  schedule();
  return { stop: () => clearTimeout(timer) };
}
