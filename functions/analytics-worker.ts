// One shard of one phase of the nightly analytics (`analytics.shard.requested`): Scan the shard's
// segment of the profiles, summarise or score, report. Logic: shared/use-cases/nightly-analytics.ts.
import * as z from 'zod/mini';
import {
  ANALYTICS_EVENTS,
  nightlyDependencies,
  runShard,
  shardRequestSchema,
} from '../shared/use-cases/nightly-analytics.js';

const busEventSchema = z.object({
  'detail-type': z.literal(ANALYTICS_EVENTS.shardRequested),
  detail: shardRequestSchema,
});

export const handler = async (event: unknown) => {
  const request = z.parse(busEventSchema, event);
  return runShard(request.detail, nightlyDependencies());
};
