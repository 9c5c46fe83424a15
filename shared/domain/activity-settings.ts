// Business settings of the activity features (settings sections `events` and `complaints`):
// schemas and defaults. A business overrides them in RETAIN_SETTINGS, e.g.
// `{ "events": { "retentionDays": 30 }, "complaints": { "categories": ["delivery", "other"] } }`.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';

export const eventSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** Days a raw behaviour event (page view, product view, search, add to cart, click) is kept. */
    retentionDays: z
      .number()
      .check(z.int('must be a whole number of days'), z.gte(1, 'must be ≥ 1'), z.lte(3650, 'must be ≤ 3650')),
    /** How far ahead of the server clock a client's date may be (its clock may run fast). */
    clockSkewSeconds: z
      .number()
      .check(z.int('must be whole seconds'), z.gte(0, 'must be ≥ 0'), z.lte(3600, 'must be ≤ 3600')),
  }),
);
export type EventSettings = z.infer<typeof eventSettingsSchema>;
export const DEFAULT_EVENT_SETTINGS: EventSettings = { retentionDays: 90, clockSkewSeconds: 300 };

export const complaintSettingsSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    /** The causes a complaint is filed under, for the analysis of causes. */
    categories: z
      .array(
        z
          .string()
          .check(z.regex(/^[a-z][a-z0-9_]{0,39}$/, 'categories are 1–40 lower-case letters, digits and _')),
      )
      .check(z.minLength(1, 'give at least one category')),
  }),
);
export type ComplaintSettings = z.infer<typeof complaintSettingsSchema>;
export const DEFAULT_COMPLAINT_SETTINGS: ComplaintSettings = {
  categories: ['product_quality', 'delivery', 'billing', 'service', 'website', 'privacy', 'other'],
};
