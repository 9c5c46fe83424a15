// The `messaging` settings section (birthday and win-back emails): schema and defaults. A business
// overrides any field in RETAIN_SETTINGS, e.g. `{ "messaging": { "birthdayHour": 10 } }`. Pure.
import * as z from 'zod/mini';
import { lazy } from '../../lazy.js';

/** Text in each template language; `en` is required (the fallback for every other language). */
const localizedText = /* @__PURE__ */ lazy(() =>
  z
    .record(z.string(), z.string().check(z.minLength(1), z.maxLength(500)))
    .check(z.refine((text) => typeof text.en === 'string', 'needs at least an `en` text')),
);

/** A gift or an offer: its text in each language and an optional coupon code shown with it. */
export const offerSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    text: localizedText,
    code: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,40}$/, '1–40 letters, digits, _ and -'))),
  }),
);
export type Offer = z.infer<typeof offerSchema>;

const hour = /* @__PURE__ */ lazy(() =>
  z
    .int('must be a whole hour 0–23')
    .check(z.gte(0, 'must be a whole hour 0–23'), z.lte(23, 'must be a whole hour 0–23')),
);
const days = /* @__PURE__ */ lazy(() =>
  z.number().check(z.gte(0, 'must be a number of days ≥ 0'), z.lte(3650, 'must be ≤ 3650 days')),
);

/**
 * Quiet hours in the customer's local time: from `from:00` up to (not including) `to:00`,
 * across midnight when `from` > `to` (21 → 8 is 21:00–07:59). `null` switches them off.
 */
export const quietHoursSchema = /* @__PURE__ */ lazy(() => z.strictObject({ from: hour, to: hour }));
export type QuietHours = z.infer<typeof quietHoursSchema>;

export const messagingSettingsSchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      /** Local hour at which birthday greetings go out, in the customer's own time zone. */
      birthdayHour: hour,
      quietHours: z.nullable(quietHoursSchema),
      /** At most one marketing email (birthday or win-back) per customer in this many days. */
      frequencyCapDays: days,
      /** At most one win-back email per customer in this many days. */
      winbackCooldownDays: days,
      /** Stop win-backs after this many in a row got no order (sunset rule). */
      winbackSunsetAfter: z
        .int('must be a whole number')
        .check(z.gte(1, 'must be ≥ 1'), z.lte(100, 'must be ≤ 100')),
      /** An order within this many days of a win-back email is attributed to it. */
      attributionWindowDays: z.number().check(z.gt(0, 'must be > 0 days'), z.lte(365, 'must be ≤ 365 days')),
      /**
       * A send claimed this many minutes ago without an outcome is resolved by the next run (see
       * docs/messaging.md, "Crash between claim and send"). Longer than a send takes, with margin
       * for SES's Send event to arrive.
       */
      claimGraceMinutes: z
        .number()
        .check(z.gte(1, 'must be ≥ 1 minute'), z.lte(1440, 'must be ≤ 1440 minutes')),
      /** Sends per second when SES's GetAccount cannot be read (it normally gives the account's rate). */
      sendRateWhenUnknown: z.number().check(z.gt(0, 'must be > 0'), z.lte(1000, 'must be ≤ 1000')),
      /** Win-back offer by value tier (`high`, `medium`, `low`; customers without a tier get `low`). */
      winbackOffers: z.record(z.string(), offerSchema),
      /** Birthday gift by membership level id (e.g. `gold`); levels not listed get no gift. */
      birthdayGifts: z.record(z.string(), offerSchema),
    })
    .check(
      z.refine(
        (settings) => !settings.quietHours || !inQuietHours(settings.birthdayHour, settings.quietHours),
        {
          message: 'the birthday hour falls inside the quiet hours',
          path: ['birthdayHour'],
        },
      ),
    ),
);
export type MessagingSettings = z.infer<typeof messagingSettingsSchema>;

export const DEFAULT_MESSAGING_SETTINGS: MessagingSettings = {
  birthdayHour: 9,
  quietHours: { from: 21, to: 8 },
  frequencyCapDays: 7,
  winbackCooldownDays: 90,
  winbackSunsetAfter: 3,
  attributionWindowDays: 30,
  claimGraceMinutes: 15,
  sendRateWhenUnknown: 10,
  winbackOffers: {
    high: { text: { en: '25% off your next order', 'zh-CN': '下一单立享七五折' }, code: 'COMEBACK25' },
    medium: { text: { en: '15% off your next order', 'zh-CN': '下一单立享八五折' }, code: 'COMEBACK15' },
    low: { text: { en: '10% off your next order', 'zh-CN': '下一单立享九折' }, code: 'COMEBACK10' },
  },
  birthdayGifts: {
    gold: {
      text: { en: 'a birthday gift with your next order', 'zh-CN': '下单即送生日礼物一份' },
      code: 'BDAYGOLD',
    },
    green: { text: { en: '10% off anything this week', 'zh-CN': '本周全场九折' }, code: 'BDAY10' },
  },
};

/** Whether a local hour (0–23) falls in the quiet hours. */
export function inQuietHours(localHour: number, quiet: QuietHours | null): boolean {
  if (!quiet || quiet.from === quiet.to) return false;
  return quiet.from < quiet.to
    ? localHour >= quiet.from && localHour < quiet.to
    : localHour >= quiet.from || localHour < quiet.to;
}
