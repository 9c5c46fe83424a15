// Use cases of customer activity: behaviour and social events (one or a batch), survey answers,
// and the timeline. The clock and the settings are parameters so tests can fix them.
import * as z from 'zod/mini';
import {
  batchEventSchema,
  type EventInput,
  type EventReceipt,
  eventFields,
  expiresAtFor,
  isBehaviourKind,
} from '../domain/activity-events.js';
import type { EventSettings } from '../domain/activity-settings.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import {
  type FeedbackInput,
  type FeedbackView,
  feedbackAttributes,
  feedbackViewSchema,
  npsCategory,
} from '../domain/feedback.js';
import { futureIssue, toUtcIso } from '../domain/instants.js';
import { type TimelineEntry, type TimelineKind, toTimelineEntry } from '../domain/timeline.js';
import { fieldIssues } from '../http/problem.js';
import { ulid } from '../ids.js';
import { log } from '../log.js';
import { loadCustomer } from '../store/customer-repository.js';
import {
  appendTimelineItem,
  appendTimelineItems,
  getClaimedItem,
  MAX_GROUP,
  type ProfileUpdate,
  queryTimeline,
  setLatestOnProfile,
  type TimelineWrite,
} from '../store/timeline-repository.js';
import { eventSettings } from './activity-settings.js';
import { type Clock, systemClock } from './customer-profiles.js';
import { fingerprint } from './fingerprint.js';
import { mapLimit } from '../concurrency.js';

export interface ActivityDeps {
  clock: Clock;
  settings: () => EventSettings;
}

const defaults: ActivityDeps = { clock: systemClock, settings: eventSettings };

/** When a client-dated thing happened, in UTC; refuses dates too far in the future. */
function clientTime(sent: string | undefined, now: Date, settings: EventSettings, field: string): string {
  if (!sent) return now.toISOString();
  const at = toUtcIso(sent);
  const issue = futureIssue(at, now, settings.clockSkewSeconds, field);
  if (issue) throw new ValidationError([issue]);
  return at;
}

interface PreparedEvent {
  write: TimelineWrite;
  fingerprint: string;
  created: EventReceipt;
  prefix: string;
}

/** Checks what the schema cannot (the clock) and builds the write. */
function prepareEvent(
  customerId: string,
  input: EventInput,
  deps: ActivityDeps,
  prefix: string,
): PreparedEvent {
  const now = deps.clock.now();
  const settings = deps.settings();
  const at = clientTime(input.occurredAt, now, settings, `${prefix}occurredAt`);
  const id = input.eventId ?? `evt_${ulid(now.getTime())}`;
  const fields = eventFields(input);
  const print = fingerprint({ kind: input.kind, occurredAt: input.occurredAt, ...fields });
  const behaviour = isBehaviourKind(input.kind);
  return {
    write: {
      customerId,
      kind: input.kind,
      id,
      at,
      fields: { ...fields, type: 'event', receivedAt: now.toISOString() },
      expiresAt: expiresAtFor(input.kind, at, settings.retentionDays),
      claim: input.eventId
        ? {
            scope: 'event',
            clientId: input.eventId,
            fingerprint: print,
            // A retry can come as long as the raw event may still be around.
            ...(behaviour
              ? { expiresAt: Math.floor(now.getTime() / 1000) + settings.retentionDays * 86_400 }
              : {}),
          }
        : undefined,
      profile: countEvents([input.kind]),
    },
    fingerprint: print,
    created: { eventId: id, customerId, kind: input.kind, at, status: 'created' },
    prefix,
  };
}

/** `ADD eventCounts.#k0 :n0, …`: one count per kind. */
function countEvents(kinds: readonly string[]): ProfileUpdate {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const entries = [...counts.entries()];
  return {
    expression: `ADD ${entries.map((_, index) => `eventCounts.#k${index} :n${index}`).join(', ')}`,
    names: Object.fromEntries(entries.map(([kind], index) => [`#k${index}`, kind])),
    values: Object.fromEntries(entries.map(([, count], index) => [`:n${index}`, count])),
  };
}

async function commitEvent(event: PreparedEvent): Promise<EventReceipt> {
  const outcome = await appendTimelineItem(event.write);
  if (outcome.created) return event.created;
  const { claim } = outcome;
  if (claim.fingerprint !== event.fingerprint || claim.kind !== event.write.kind) {
    throw new ConflictError(
      `eventId ${event.write.id} was already used for a different event`,
      `${event.prefix}eventId`,
    );
  }
  return { ...event.created, kind: claim.kind, at: claim.at, status: 'duplicate' };
}

/**
 * Record one event of a customer: stored on the timeline and counted in `eventCounts` in one
 * transaction. With an `eventId` a retried event is answered as a duplicate and counted once;
 * the same `eventId` with different content is a conflict. `prefix` names fields in a batch.
 */
export async function recordEvent(
  customerId: string,
  input: EventInput,
  deps: ActivityDeps = defaults,
  prefix = '',
): Promise<EventReceipt> {
  return commitEvent(prepareEvent(customerId, input, deps, prefix));
}

export type BatchOutcome = {
  index: number;
  eventId?: string;
  customerId?: string;
} & ({ receipt: EventReceipt } | { error: unknown });

/** Customers of a batch written in parallel, this many at once. */
const PARALLEL_CUSTOMERS = 8;

const stringField = (raw: unknown, field: string): string | undefined => {
  const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : undefined;
};

type BatchEvent = z.infer<typeof batchEventSchema>;

/**
 * One customer's events of a batch. Fast path: new events go in transactions of up to MAX_GROUP
 * with one combined profile update. A group that meets an event already recorded (a retried
 * batch) or a missing customer is written one event at a time instead, in the batch's order, so
 * every event gets its exact outcome; so is an eventId repeated within the batch.
 */
async function recordCustomerEvents(
  customerId: string,
  group: Array<{ index: number; input: BatchEvent }>,
  deps: ActivityDeps,
  outcomes: BatchOutcome[],
): Promise<void> {
  const prepared: Array<{ index: number; event: PreparedEvent }> = [];
  for (const { index, input } of group) {
    try {
      prepared.push({ index, event: prepareEvent(customerId, input, deps, `events.${index}.`) });
    } catch (error) {
      outcomes[index] = { index, eventId: input.eventId, customerId, error };
    }
  }
  const firsts: typeof prepared = [];
  const oneByOne: typeof prepared = [];
  const seen = new Set<string>();
  for (const entry of prepared) {
    (seen.has(entry.event.write.id) ? oneByOne : firsts).push(entry);
    seen.add(entry.event.write.id);
  }
  for (let start = 0; start < firsts.length; start += MAX_GROUP) {
    const chunk = firsts.slice(start, start + MAX_GROUP);
    let written = false;
    try {
      written = await appendTimelineItems(
        customerId,
        chunk.map(({ event }) => event.write),
        countEvents(chunk.map(({ event }) => event.write.kind)),
      );
    } catch (error) {
      // Written one by one below, where each event gets its own error.
      log.warn('grouped event write failed', { customerId, events: chunk.length, error });
    }
    if (written) {
      for (const { index, event } of chunk) {
        outcomes[index] = { index, eventId: event.write.id, customerId, receipt: event.created };
      }
    } else {
      oneByOne.push(...chunk);
    }
  }
  for (const { index, event } of oneByOne.sort((a, b) => a.index - b.index)) {
    try {
      outcomes[index] = { index, eventId: event.write.id, customerId, receipt: await commitEvent(event) };
    } catch (error) {
      outcomes[index] = { index, eventId: event.write.id, customerId, error };
    }
  }
}

/**
 * Record a batch of events of possibly different customers. Every event gets its own outcome
 * (created, duplicate, or an error naming its field as `events.<i>.<field>`); one bad event
 * never fails the others.
 */
export async function recordEventBatch(
  events: unknown[],
  deps: ActivityDeps = defaults,
): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  const byCustomer = new Map<string, Array<{ index: number; input: BatchEvent }>>();
  for (const [index, raw] of events.entries()) {
    const parsed = z.safeParse(batchEventSchema, raw);
    if (!parsed.success) {
      outcomes[index] = {
        index,
        eventId: stringField(raw, 'eventId'),
        customerId: stringField(raw, 'customerId'),
        error: new ValidationError(fieldIssues(parsed.error, `events.${index}`)),
      };
      continue;
    }
    const group = byCustomer.get(parsed.data.customerId) ?? [];
    group.push({ index, input: parsed.data });
    byCustomer.set(parsed.data.customerId, group);
  }
  await mapLimit([...byCustomer.entries()], PARALLEL_CUSTOMERS, ([customerId, group]) =>
    recordCustomerEvents(customerId, group, deps, outcomes),
  );
  return outcomes;
}

function feedbackView(item: Record<string, unknown>): FeedbackView {
  return z.parse(feedbackViewSchema, item);
}

/**
 * Record a survey answer: stored on the timeline, counted (`npsCount`/`npsSum` or
 * `csatCount`/`csatSum`) in the same transaction; the latest score (`lastNps`/`lastCsat`) follows.
 */
export async function recordFeedback(
  customerId: string,
  input: FeedbackInput,
  deps: ActivityDeps = defaults,
): Promise<{ feedback: FeedbackView; created: boolean }> {
  const now = deps.clock.now();
  const at = clientTime(input.answeredAt, now, deps.settings(), 'answeredAt');
  const id = input.feedbackId ?? `fbk_${ulid(now.getTime())}`;
  const { feedbackId: _id, answeredAt: _at, ...answer } = input;
  const print = fingerprint(input);
  const attributes = feedbackAttributes(input.type);
  const fields = {
    ...answer,
    ...(input.type === 'nps' ? { npsCategory: npsCategory(input.score) } : {}),
    receivedAt: now.toISOString(),
  };
  const outcome = await appendTimelineItem({
    customerId,
    kind: 'feedback',
    id,
    at,
    fields,
    claim: input.feedbackId
      ? { scope: 'feedback', clientId: input.feedbackId, fingerprint: print }
      : undefined,
    profile: {
      expression: 'ADD #count :one, #sum :score',
      names: { '#count': attributes.count, '#sum': attributes.sum },
      values: { ':one': 1, ':score': input.score },
    },
  });
  if (!outcome.created && outcome.claim.fingerprint !== print) {
    throw new ConflictError(`feedbackId ${id} was already used for a different answer`, 'feedbackId');
  }
  const storedAt = outcome.created ? at : outcome.claim.at;
  // Also on a replay: a crash between the transaction and this update is repaired by the retry.
  await setLatestOnProfile(
    customerId,
    { value: attributes.last, at: attributes.lastAt },
    input.score,
    storedAt,
  );
  if (outcome.created) return { feedback: feedbackView({ ...fields, id, customerId, at }), created: true };
  const stored = await getClaimedItem(customerId, outcome.claim);
  return { feedback: feedbackView(stored ?? { ...fields, id, customerId, at: storedAt }), created: false };
}

export interface TimelineQuery {
  limit: number;
  cursor?: string;
  kinds?: TimelineKind[];
}

/** The customer's timeline, newest first, a page at a time. Unknown customers answer NotFound. */
export async function readTimeline(
  customerId: string,
  query: TimelineQuery,
): Promise<{ items: TimelineEntry[]; nextCursor?: string }> {
  await loadCustomer(customerId);
  const page = await queryTimeline(customerId, query.limit, query.cursor, query.kinds);
  return { items: page.items.map(toTimelineEntry), nextCursor: page.nextCursor };
}
