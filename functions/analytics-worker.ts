// One shard of one phase of the nightly analytics (`analytics.shard.requested`): Scan the shard's
// segment of the profiles (or, for a continuation, the rest of it), summarise or score, report. Logic: shared/use-cases/nightly-analytics.ts.
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import {
  ANALYTICS_EVENTS,
  nightlyDependencies,
  runShard,
  shardRequestSchema,
} from '../shared/use-cases/nightly-analytics.js';

const busEventSchema = z.object({
  id: z.string(),
  'detail-type': z.literal(ANALYTICS_EVENTS.shardRequested),
  detail: shardRequestSchema,
});

export const handler = async (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => {
  const request = z.parse(busEventSchema, event);
  // The time left decides when the worker hands the rest of its shard on to a continuation.
  const remaining = context ? () => context.getRemainingTimeInMillis() : undefined;
  return runShard(request.detail, request.id, nightlyDependencies(remaining));
};
