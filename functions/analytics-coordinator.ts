// The nightly analytics coordinator: started by the `nightly` schedule (or `npm run job -- nightly
// --as-of …`), and the fan-in of `analytics.shard.completed`. Logic: shared/use-cases/nightly-analytics.ts.
import * as z from 'zod/mini';
import {
  ANALYTICS_EVENTS,
  nightlyDependencies,
  nightlyInputSchema,
  onShardCompleted,
  shardCompletedSchema,
  startNightly,
} from '../shared/use-cases/nightly-analytics.js';

const busEventSchema = z.object({
  id: z.string(),
  'detail-type': z.literal(ANALYTICS_EVENTS.shardCompleted),
  detail: shardCompletedSchema,
});

export const handler = async (event: unknown) => {
  const job = z.safeParse(nightlyInputSchema, event);
  if (job.success) return startNightly({ asOf: job.data.asOf }, nightlyDependencies());
  // A malformed event fails loudly: the bus retries it and finally dead-letters it.
  const completed = z.parse(busEventSchema, event);
  return onShardCompleted(completed.detail, completed.id, nightlyDependencies());
};
