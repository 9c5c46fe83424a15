// Use cases of complaint tickets: open one, move it through its lifecycle, read it, and list the
// support queues. The clock is a parameter so tests can fix it.
import {
  applyTransition,
  type ComplaintChange,
  type ComplaintInput,
  type ComplaintView,
  complaintView,
  newComplaint,
  openComplaintsDelta,
  type QueueStatus,
  type TransitionInput,
} from '../domain/complaint.js';
import { ValidationError } from '../domain/errors.js';
import { futureIssue, toUtcIso } from '../domain/instants.js';
import { ulid } from '../ids.js';
import {
  insertComplaint,
  listComplaintQueue,
  loadComplaint,
  moveComplaint,
} from '../store/complaint-repository.js';
import { eventSettings } from './activity-settings.js';
import { type Clock, systemClock } from './customer-profiles.js';

/** `cmp_` + a ULID of the opening time: the id locates the complaint's timeline item. */
const newComplaintId = (openedAt: string) => `cmp_${ulid(new Date(openedAt).getTime())}`;

/**
 * Open a complaint (status `open`), counted in the customer's `openComplaints` in the same
 * transaction. Retries are made safe by the Idempotency-Key middleware of the HTTP chain.
 */
export async function openComplaint(
  customerId: string,
  input: ComplaintInput,
  clock: Clock = systemClock,
): Promise<ComplaintView> {
  const now = clock.now();
  const openedAt = input.openedAt ? toUtcIso(input.openedAt) : now.toISOString();
  const issue = futureIssue(openedAt, now, eventSettings().clockSkewSeconds, 'openedAt');
  if (issue) throw new ValidationError([issue]);
  const record = newComplaint(
    input,
    { id: newComplaintId(openedAt), customerId },
    openedAt,
    now.toISOString(),
  );
  await insertComplaint(record);
  return complaintView(record);
}

export async function getComplaint(customerId: string, complaintId: string): Promise<ComplaintView> {
  return complaintView(await loadComplaint(customerId, complaintId));
}

/**
 * Move a complaint to `to`. Illegal moves (and a move someone else made first) are conflicts
 * naming `to`; the first move out of `open` is the first response, a move to `resolved` the
 * resolution.
 */
export async function transitionComplaint(
  customerId: string,
  complaintId: string,
  input: TransitionInput,
  by: string | undefined,
  clock: Clock = systemClock,
): Promise<ComplaintView> {
  const current = await loadComplaint(customerId, complaintId);
  const change: ComplaintChange = {
    from: current.status,
    to: input.to,
    at: clock.now().toISOString(),
    ...(input.note ? { note: input.note } : {}),
    ...(by ? { by } : {}),
  };
  const next = applyTransition(current, change); // refuses an illegal move before any write
  await moveComplaint(current, change, openComplaintsDelta(change.from, change.to));
  return complaintView(next);
}

/** One support queue, oldest first, with each complaint's age. */
export async function listComplaints(
  status: QueueStatus,
  limit: number,
  after: string | undefined,
  clock: Clock = systemClock,
): Promise<{ items: ComplaintView[]; nextCursor?: string }> {
  const page = await listComplaintQueue(status, limit, after);
  const now = clock.now();
  return { items: page.items.map((record) => complaintView(record, now)), nextCursor: page.nextCursor };
}
