// A customer's timeline: every order, event, survey answer, complaint and message in one list,
// newest first. Items live in the customer's partition under `TL#<time>#<kind>#<id>` (see
// shared/store/keys.ts) with the attributes `kind`, `at` and their public fields. Pure.
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { EVENT_KINDS, eventDataSchema } from './activity-events.js';
import { type ComplaintRecord, complaintDataSchema, complaintView } from './complaint.js';
import { feedbackDataSchema } from './feedback.js';
import { ORDER_KIND, orderViewSchema } from './order.js';

/** Kinds owned by other features without a data schema here yet (refunds, messaging). */
export const OTHER_TIMELINE_KINDS = ['refund', 'message'] as const;
export const TIMELINE_KINDS = [
  ...EVENT_KINDS,
  'feedback',
  'complaint',
  ORDER_KIND,
  ...OTHER_TIMELINE_KINDS,
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

const isKind = (value: string): value is TimelineKind =>
  (TIMELINE_KINDS as readonly string[]).includes(value);

/** `?kind=order,review` → `['order', 'review']`, each a known kind, no repeats. */
export const kindFilterSchema = /* @__PURE__ */ lazy(() =>
  z.pipe(
    z
      .string()
      .check(
        z.refine(
          (value) => value.split(',').every((kind) => isKind(kind.trim())),
          `must be a comma-separated list of: ${TIMELINE_KINDS.join(', ')}`,
        ),
      ),
    z.transform((value) => [...new Set(value.split(',').map((kind) => kind.trim()))] as TimelineKind[]),
  ),
);

/**
 * Storage and index attributes, never shown. A kind with a `data` schema below shows only what its
 * schema names; the owner of a kind without one (refund, message) should add its schema there.
 */
const INTERNAL = new Set([
  'pk',
  'sk',
  'kind',
  'at',
  'id',
  'customerId',
  'expiresAt',
  'fingerprint',
  'listPk',
  'listSk',
  'segmentPk',
  'segmentSk',
  'lifecyclePk',
  'lifecycleSk',
  'tierPk',
  'tierSk',
  'birthdayPk',
  'birthdaySk',
]);

const envelope = /* @__PURE__ */ lazy(() => ({ at: z.string(), id: z.string() }));

/**
 * One timeline entry: `{ kind, at, id, data }`, `data` being the kind's public fields. The
 * response passes this schema, so for the kinds with a schema anything else is dropped.
 */
export const timelineEntrySchema = /* @__PURE__ */ lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.enum(EVENT_KINDS), ...envelope, data: eventDataSchema }),
    z.object({ kind: z.literal('feedback'), ...envelope, data: feedbackDataSchema }),
    z.object({ kind: z.literal('complaint'), ...envelope, data: complaintDataSchema }),
    z.object({
      kind: z.literal(ORDER_KIND),
      ...envelope,
      data: z.omit(orderViewSchema, { customerId: true }),
    }),
    z.object({ kind: z.enum(OTHER_TIMELINE_KINDS), ...envelope, data: z.record(z.string(), z.unknown()) }),
  ]),
);
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;

/** A stored timeline item as an entry (the id is the last part of the sort key). */
export function toTimelineEntry(item: Record<string, unknown>): TimelineEntry {
  const sk = String(item.sk);
  const id = typeof item.id === 'string' ? item.id : sk.slice(sk.lastIndexOf('#') + 1);
  const data =
    item.kind === 'complaint'
      ? complaintView(item as unknown as ComplaintRecord)
      : Object.fromEntries(Object.entries(item).filter(([key]) => !INTERNAL.has(key)));
  return { kind: item.kind, at: item.at, id, data } as TimelineEntry;
}
