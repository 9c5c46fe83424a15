// Pieces several contracts share: a page of a list, and why one item of a batch was refused.
import * as z from 'zod/mini';

/** `limit` (1–100, default 25) and `cursor` of a paginated list, as query fields. */
export const pageQueryFields = () => ({
  limit: z._default(
    z.coerce
      .number()
      .check(z.int('must be a whole number'), z.minimum(1, 'must be ≥ 1'), z.maximum(100, 'must be ≤ 100')),
    25,
  ),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

/** Why one item of a batch was refused: the HTTP status it would have had alone, and the fields. */
export const itemErrorFields = () => ({
  status: z.number(),
  title: z.string(),
  detail: z.optional(z.string()),
  errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
});
