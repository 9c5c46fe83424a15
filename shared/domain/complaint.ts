// Complaint tickets: the status lifecycle, response and resolution times. Pure.
//
//   open ──► in_progress ──► resolved ──► closed
//    ▲            ▲              │           │
//    │            └── reopen ────┘           │
//    └──────────────── reopen ───────────────┘
import * as z from 'zod/mini';
import { lazy } from '../lazy.js';
import { text } from './activity-events.js';
import { ConflictError } from './errors.js';
import { instantSchema, secondsBetween } from './instants.js';

export const COMPLAINT_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Every legal move; anything else is refused. */
export const TRANSITIONS: Readonly<Record<ComplaintStatus, readonly ComplaintStatus[]>> = {
  open: ['in_progress'],
  in_progress: ['resolved'],
  resolved: ['closed', 'in_progress'],
  closed: ['open'],
};

export const canTransition = (from: ComplaintStatus, to: ComplaintStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** Open and in-progress complaints are the customer's open complaints (`openComplaints` on the profile). */
export const isUnresolved = (status: ComplaintStatus): boolean =>
  status === 'open' || status === 'in_progress';

/** Change of the profile's `openComplaints` counter when a complaint moves. */
export const openComplaintsDelta = (from: ComplaintStatus, to: ComplaintStatus): number =>
  (isUnresolved(to) ? 1 : 0) - (isUnresolved(from) ? 1 : 0);

/** Statuses with a support queue (the `byList` index); closed complaints leave the queues. */
export const QUEUE_STATUSES = [
  'open',
  'in_progress',
  'resolved',
] as const satisfies readonly ComplaintStatus[];
export type QueueStatus = (typeof QUEUE_STATUSES)[number];
export const isQueued = (status: ComplaintStatus): status is QueueStatus =>
  (QUEUE_STATUSES as readonly string[]).includes(status);

/** Body of `POST /customers/{id}/complaints`. `isCategory` checks against the business's list. */
export function complaintInputSchema(
  isCategory: (category: string) => boolean,
  categories: () => readonly string[],
) {
  return z.strictObject({
    category: z
      .string({ error: 'must be a string' })
      .check(z.refine(isCategory, { error: () => `must be one of: ${categories().join(', ')}` })),
    severity: z.enum(SEVERITIES, { error: `must be one of: ${SEVERITIES.join(', ')}` }),
    description: text(4000),
    /** Where it was received: `phone`, `email`, `store`, `web`, `social` … */
    channel: text(64),
    /** When the customer complained, if earlier than now (a ticket moved from another tool). */
    openedAt: z.optional(instantSchema),
  });
}
export type ComplaintInput = z.infer<ReturnType<typeof complaintInputSchema>>;

export const transitionInputSchema = /* @__PURE__ */ lazy(() =>
  z.strictObject({
    to: z.enum(COMPLAINT_STATUSES, { error: `must be one of: ${COMPLAINT_STATUSES.join(', ')}` }),
    note: z.optional(text(1000)),
  }),
);
export type TransitionInput = z.infer<typeof transitionInputSchema>;

export interface ComplaintChange {
  from: ComplaintStatus;
  to: ComplaintStatus;
  at: string;
  note?: string;
  /** Token subject of who moved it (audit). */
  by?: string;
}

export interface ComplaintRecord {
  id: string;
  customerId: string;
  category: string;
  severity: Severity;
  description: string;
  channel: string;
  status: ComplaintStatus;
  openedAt: string;
  updatedAt: string;
  /** The first move out of `open`: the support team's first response. */
  firstResponseAt?: string;
  /** The latest resolution; cleared when the complaint is reopened. */
  resolvedAt?: string;
  closedAt?: string;
  reopenCount: number;
  history: ComplaintChange[];
}

export function newComplaint(
  input: ComplaintInput,
  ids: { id: string; customerId: string },
  openedAt: string,
  now: string,
): ComplaintRecord {
  return {
    ...ids,
    category: input.category,
    severity: input.severity,
    description: input.description,
    channel: input.channel,
    status: 'open',
    openedAt,
    updatedAt: now,
    reopenCount: 0,
    history: [],
  };
}

/** Refuses an illegal move with a 409 that names `to`. */
export function assertTransition(from: ComplaintStatus, to: ComplaintStatus): void {
  if (!canTransition(from, to)) {
    const legal = TRANSITIONS[from];
    throw new ConflictError(
      `a ${from} complaint cannot move to ${to}; it can move to: ${legal.join(', ')}`,
      'to',
    );
  }
}

/**
 * The complaint after a legal move at `at`. The store applies the same change as one conditional
 * update (`applyTransition` is its specification, and what the unit tests check).
 */
export function applyTransition(record: ComplaintRecord, change: ComplaintChange): ComplaintRecord {
  assertTransition(record.status, change.to);
  const next: ComplaintRecord = {
    ...record,
    status: change.to,
    updatedAt: change.at,
    history: [...record.history, change],
  };
  if (record.status === 'open' && !next.firstResponseAt) next.firstResponseAt = change.at;
  if (change.to === 'resolved') next.resolvedAt = change.at;
  if (change.to === 'closed') next.closedAt = change.at;
  if (isReopen(record.status, change.to)) {
    next.reopenCount = record.reopenCount + 1;
    delete next.resolvedAt;
    delete next.closedAt;
  }
  return next;
}

/** resolved → in_progress and closed → open. */
export const isReopen = (from: ComplaintStatus, to: ComplaintStatus): boolean =>
  (from === 'resolved' && to === 'in_progress') || (from === 'closed' && to === 'open');

/** What any response shows of a complaint, with its response and resolution times. */
export const complaintDataSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    category: z.string(),
    severity: z.enum(SEVERITIES),
    description: z.string(),
    channel: z.string(),
    status: z.enum(COMPLAINT_STATUSES),
    openedAt: z.string(),
    updatedAt: z.string(),
    firstResponseAt: z.optional(z.string()),
    resolvedAt: z.optional(z.string()),
    closedAt: z.optional(z.string()),
    /** Seconds from opening to the first response. */
    firstResponseSeconds: z.optional(z.number()),
    /** Seconds from opening to the (latest) resolution. */
    resolutionSeconds: z.optional(z.number()),
    reopenCount: z.number(),
    history: z.array(
      z.object({
        from: z.enum(COMPLAINT_STATUSES),
        to: z.enum(COMPLAINT_STATUSES),
        at: z.string(),
        note: z.optional(z.string()),
        by: z.optional(z.string()),
      }),
    ),
  }),
);

export const complaintViewSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    id: z.string(),
    customerId: z.string(),
    ...complaintDataSchema.shape,
    /** Seconds since opening, for queue listings. */
    ageSeconds: z.optional(z.number()),
  }),
);
export type ComplaintView = z.infer<typeof complaintViewSchema>;

export function complaintView(record: ComplaintRecord, now?: Date): ComplaintView {
  return {
    ...record,
    ...(record.firstResponseAt
      ? { firstResponseSeconds: secondsBetween(record.openedAt, record.firstResponseAt) }
      : {}),
    ...(record.resolvedAt ? { resolutionSeconds: secondsBetween(record.openedAt, record.resolvedAt) } : {}),
    ...(now ? { ageSeconds: secondsBetween(record.openedAt, now.toISOString()) } : {}),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `cmp_` + a ULID whose time part is the opening time (see `newComplaintId` in the use case). */
export const COMPLAINT_ID = /^cmp_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * The opening time a complaint id carries (the first 10 characters of its ULID are the
 * milliseconds): with the customer id it locates the complaint's timeline item without a lookup.
 */
export function openedAtOf(complaintId: string): string {
  let ms = 0;
  for (const char of complaintId.slice(4, 14)) ms = ms * 32 + CROCKFORD.indexOf(char);
  return new Date(ms).toISOString();
}
