// Behaviour events (what a customer does on the business's site or app) and social events (what
// they say about it): their kinds, the fields each kind carries, and how long the raw event is kept.
// Pure: no I/O. The per-kind counts on the profile (`eventCounts`) outlive the raw events.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { instantSchema } from './instants.js';

/** Raw behaviour events expire after the retention (DynamoDB TTL); only their counts stay. */
export const BEHAVIOUR_EVENT_KINDS = ['page_view', 'product_view', 'search', 'add_to_cart', 'click'] as const;
/** Social events are what the customer said: kept for as long as the customer is. */
export const SOCIAL_EVENT_KINDS = ['comment', 'like', 'share', 'review'] as const;
export const EVENT_KINDS = [...BEHAVIOUR_EVENT_KINDS, ...SOCIAL_EVENT_KINDS] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const isBehaviourKind = (kind: string): boolean =>
  (BEHAVIOUR_EVENT_KINDS as readonly string[]).includes(kind);

/** Longest comment or review text. */
export const MAX_TEXT = 2000;
/** Most events in one batch call. */
export const MAX_BATCH = 100;

// zod/mini carries no message locale: every check says in words what it expects.
export const text = (max: number) =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
    );
const url = /* @__PURE__ */ lazy(() =>
  z
    .url({ error: 'must be an absolute URL, e.g. https://shop.example/p/42' })
    .check(z.maxLength(2048, 'must be at most 2048 characters')),
);
const count = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .check(z.int('must be a whole number'), z.gte(min, `must be ≥ ${min}`), z.lte(max, `must be ≤ ${max}`));

/** A client-chosen id that makes a retried request idempotent. */
export const clientIdSchema = /* @__PURE__ */ lazy(() =>
  z
    .string({ error: 'must be a string' })
    .check(z.regex(/^[\w.:-]{1,128}$/, 'must be 1–128 letters, digits and _ . : -')),
);

/** Same rule as the customer API's path parameter. */
export const customerIdSchema = /* @__PURE__ */ lazy(() =>
  z
    .string({ error: 'must be a string' })
    .check(z.regex(/^cus_[0-9A-Z]{26}$/, 'must be a customer id like cus_01J…')),
);

const common = /* @__PURE__ */ lazy(() => ({
  /** Idempotency: a retried event with the same id is counted once. Optional on the single route. */
  eventId: z.optional(clientIdSchema),
  /** When it happened; defaults to the time it is received. */
  occurredAt: z.optional(instantSchema),
  /** Where: `web`, `app`, `pos`, `mini-program` … */
  channel: z.optional(text(64)),
}));
const product = /* @__PURE__ */ lazy(() => ({
  productId: z.optional(text(128)),
  sku: z.optional(text(128)),
}));
const subject = /* @__PURE__ */ lazy(() => ({ ...product, url: z.optional(url) }));

type Shape = Record<string, z.core.$ZodType>;
type Named = { productId?: string; sku?: string; url?: string };

const needs = (fields: Array<keyof Named>) =>
  z.refine<unknown>((value) => fields.some((field) => Boolean((value as Named)[field])), {
    message: `give at least one of ${fields.join(', ')}`,
    path: [fields[0] as string],
  });

/** The fields of every kind; `extra` adds fields to each (the batch route adds `customerId`). */
function kinds<E extends Shape>(extra: E) {
  const kind = <K extends EventKind, S extends Shape>(name: K, shape: S) =>
    z.strictObject({ kind: z.literal(name), ...common, ...shape, ...extra });
  return [
    kind('page_view', { url, referrer: z.optional(url), title: z.optional(text(300)) }),
    kind('product_view', { ...product, category: z.optional(text(100)) }).check(needs(['productId', 'sku'])),
    kind('search', { query: text(200), resultCount: z.optional(count(0, 1_000_000)) }),
    kind('add_to_cart', {
      ...product,
      quantity: z._default(count(1, 999), 1),
      unitPrice: z.optional(z.number({ error: 'must be a number' }).check(z.gte(0, 'must be ≥ 0'))),
    }).check(needs(['productId', 'sku'])),
    kind('click', { target: text(200), url: z.optional(url) }),
    kind('comment', { ...subject, text: text(MAX_TEXT) }),
    kind('like', subject).check(needs(['productId', 'sku', 'url'])),
    kind('share', { ...subject, network: z.optional(text(64)) }).check(needs(['productId', 'sku', 'url'])),
    kind('review', {
      ...product,
      rating: count(1, 5),
      title: z.optional(text(200)),
      text: z.optional(text(MAX_TEXT)),
    }).check(needs(['productId', 'sku'])),
  ] as const;
}

const kindError = { error: `must be one of: ${EVENT_KINDS.join(', ')}` };

/** Body of `POST /customers/{id}/events`. */
export const eventInputSchema = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('kind', kinds({}), kindError),
);
export type EventInput = z.infer<typeof eventInputSchema>;

/** One event of `POST /events/batch`: it names its customer, and its `eventId` is required. */
export const batchEventSchema = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('kind', kinds({ customerId: customerIdSchema, eventId: clientIdSchema }), kindError),
);
export type BatchEventInput = z.infer<typeof batchEventSchema>;

/** The stored, public fields of an event: everything the client sent but the envelope. */
export function eventFields(input: EventInput): Record<string, unknown> {
  const {
    kind: _kind,
    eventId: _eventId,
    occurredAt: _occurredAt,
    ...fields
  } = input as EventInput & {
    customerId?: string;
  };
  delete (fields as { customerId?: string }).customerId;
  return fields;
}

/**
 * TTL (epoch seconds) of a raw behaviour event: `retentionDays` after it occurred. Social events
 * never expire (undefined).
 */
export function expiresAtFor(kind: string, at: string, retentionDays: number): number | undefined {
  if (!isBehaviourKind(kind)) return undefined;
  return Math.floor(new Date(at).getTime() / 1000) + retentionDays * 86_400;
}

/** What a response may show of a stored event (the timeline's `data`). */
export const eventDataSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    channel: z.optional(z.string()),
    url: z.optional(z.string()),
    referrer: z.optional(z.string()),
    title: z.optional(z.string()),
    productId: z.optional(z.string()),
    sku: z.optional(z.string()),
    category: z.optional(z.string()),
    query: z.optional(z.string()),
    resultCount: z.optional(z.number()),
    quantity: z.optional(z.number()),
    unitPrice: z.optional(z.number()),
    target: z.optional(z.string()),
    text: z.optional(z.string()),
    network: z.optional(z.string()),
    rating: z.optional(z.number()),
    receivedAt: z.string(),
  }),
);

/** The answer for each accepted event: what was stored, and whether it was new. */
export const eventReceiptSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    eventId: z.string(),
    customerId: z.string(),
    kind: z.string(),
    at: z.string(),
    status: z.enum(['created', 'duplicate']),
  }),
);
export type EventReceipt = z.infer<typeof eventReceiptSchema>;
