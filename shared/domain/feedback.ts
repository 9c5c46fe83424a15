// Survey answers: Net Promoter Score (0–10, "how likely are you to recommend us") and customer
// satisfaction (CSAT, 1–5). Pure: schemas, ranges and the profile counters they feed.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { clientIdSchema, MAX_TEXT, text } from './activity-events.js';
import { instantSchema } from './instants.js';

export const FEEDBACK_TYPES = ['nps', 'csat'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

export const SCORE_RANGE: Record<FeedbackType, { min: number; max: number }> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
};

export const feedbackInputSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      /** Idempotency: a retried answer with the same id is stored and counted once. */
      feedbackId: z.optional(clientIdSchema),
      type: z.enum(FEEDBACK_TYPES, { error: `must be one of: ${FEEDBACK_TYPES.join(', ')}` }),
      score: z.number({ error: 'must be a number' }).check(z.int('must be a whole number')),
      comment: z.optional(text(MAX_TEXT)),
      /** Where the survey was answered: `email`, `web`, `sms`, `pos` … */
      channel: text(64),
      /** When it was answered; defaults to the time it is received. */
      answeredAt: z.optional(instantSchema),
    })
    .check(
      z.superRefine((value, ctx) => {
        const range = SCORE_RANGE[value.type];
        if (value.score < range.min || value.score > range.max) {
          ctx.addIssue({
            code: 'custom',
            input: value.score,
            path: ['score'],
            message: `${value.type.toUpperCase()} scores are whole numbers from ${range.min} to ${range.max}`,
          });
        }
      }),
    ),
);
export type FeedbackInput = z.infer<typeof feedbackInputSchema>;

/** NPS buckets: promoters 9–10, passives 7–8, detractors 0–6. */
export function npsCategory(score: number): 'promoter' | 'passive' | 'detractor' {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

/**
 * Profile attributes a type of answer feeds (segment rules and analysis read them): how many
 * answers, their sum (average = sum / count), and the latest score with its time.
 */
export function feedbackAttributes(type: FeedbackType) {
  return type === 'nps'
    ? { count: 'npsCount', sum: 'npsSum', last: 'lastNps', lastAt: 'lastNpsAt' }
    : { count: 'csatCount', sum: 'csatSum', last: 'lastCsat', lastAt: 'lastCsatAt' };
}

/** What a response shows of a stored answer (also the timeline's `data`). */
export const feedbackDataSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    type: z.enum(FEEDBACK_TYPES),
    score: z.number(),
    npsCategory: z.optional(z.enum(['promoter', 'passive', 'detractor'])),
    comment: z.optional(z.string()),
    channel: z.string(),
    receivedAt: z.string(),
  }),
);

export const feedbackViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    customerId: z.string(),
    at: z.string(),
    ...feedbackDataSchema.shape,
  }),
);
export type FeedbackView = z.infer<typeof feedbackViewSchema>;
