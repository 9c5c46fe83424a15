// Use cases of orders and refunds: record one order, a batch of up to 100 (each answered on its
// own), refund or cancel. An order id is recorded once: a retry, a concurrent duplicate or a
// repeat inside a batch is answered with the order already stored.
import * as z from 'zod/mini';
import {
  type CommerceSettings,
  commerceSettingsSchema,
  DEFAULT_COMMERCE,
  minorDigits,
} from '../domain/commerce.js';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../domain/errors.js';
import { EMPTY_ACTIVITY } from '../domain/customer-activity.js';
import { type CustomerRecord, newProfile } from '../domain/customer.js';
import {
  type ActivityOptions,
  activityDelta,
  activityFromOrders,
  applyRefund,
  newOrderRecord,
  type OrderInput,
  type OrderRecord,
  type PreparedOrder,
  prepareOrder,
  type RefundInput,
  type RefundRecord,
} from '../domain/order.js';
import { localDay } from '../domain/time.js';
import { batchOrderSchema } from '../api/orders-contract.js';
import { fieldIssues } from '../http/problem.js';
import { newCustomerId, ulid } from '../ids.js';
import { businessTimeZone, settingsSection } from '../settings.js';
import { keys } from '../store/keys.js';
import { findCustomerIdBy, loadCustomer, toItem as customerToItem } from '../store/customer-repository.js';
import {
  findOrderClaim,
  type GroupWrite,
  groupSize,
  loadOrderAt,
  loadOrderTarget,
  loadOrderTargets,
  ownersOfClaims,
  writeOrderPack,
  writeRefund,
} from '../store/order-repository.js';
import { type Clock, systemClock } from './customer-profiles.js';
import { fingerprint } from './fingerprint.js';
import { log } from '../log.js';
import { rememberProductNames } from '../store/recommendation-repository.js';
import { mapLimit } from '../concurrency.js';

/** The `commerce` settings section: business currency, exchange rates, clock tolerance, caps. */
export const commerceSettings = (): CommerceSettings =>
  settingsSection('commerce', commerceSettingsSchema, DEFAULT_COMMERCE);

export function activityOptions(commerce: CommerceSettings = commerceSettings()): ActivityOptions {
  return { digits: minorDigits(commerce.currency), maxSkus: commerce.maxSkusPerCustomer };
}

export interface OrderResult {
  /** `created` the first time; `duplicate` when the order id was recorded before (a retry). */
  status: 'created' | 'duplicate';
  order: OrderRecord;
}

/** Orders of one customer per transaction (2 items each plus the profile: within DynamoDB's 100). */
const MAX_GROUP_ORDERS = 49;
/**
 * Map entries (2 per purchase day, 1 per category) one profile update may add: DynamoDB caps an
 * update expression at 4 KB.
 */
const MAX_MAP_ENTRIES = 60;
/** Items per transaction: several customers' groups are packed into one. */
const MAX_PACK_ITEMS = 100;
const PACKS_IN_FLIGHT = 2;
/** Rounds in a row without progress before giving up (contention on the same customers). */
const MAX_STUCK_ROUNDS = 10;
const MAX_ATTEMPTS = 10;

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));

/** What a retry must repeat exactly to be answered as a duplicate. */
const orderFingerprint = (order: PreparedOrder) =>
  fingerprint({
    orderId: order.orderId,
    orderedAt: order.orderedAt,
    amount: order.amount,
    currency: order.currency,
    items: order.items,
    channel: order.channel,
  });

/** The answer to an order id that was claimed already. */
async function existingOrder(customerId: string, order: PreparedOrder): Promise<OrderResult | 'retry'> {
  const claim = await findOrderClaim(order.orderId);
  if (!claim) return 'retry';
  if (claim.customerId !== customerId) {
    throw new ConflictError(`order ${order.orderId} is already recorded for another customer`, 'orderId');
  }
  if (claim.fingerprint !== orderFingerprint(order)) {
    throw new ConflictError(`order ${order.orderId} is already recorded with different details`, 'orderId');
  }
  const stored = await loadOrderAt(customerId, claim.orderSk);
  if (!stored) throw new ConflictError(`order ${order.orderId} was recorded and later removed`, 'orderId');
  return { status: 'duplicate', order: stored };
}

/** One customer's new orders (distinct order ids) in one call. */
export interface OrderJob {
  customerId: string;
  orders: readonly PreparedOrder[];
  /** No customer has this external id yet: create the profile (with `customerId`) with the orders. */
  createWithExternalId?: string;
}

export interface JobResult {
  customerId: string;
  customerCreated: boolean;
  /** Per order of the job: its result or the domain error that refused it. */
  outcomes: Array<OrderResult | DomainError>;
}

interface JobState extends JobResult {
  create?: string;
  pending: Array<{ order: PreparedOrder; fingerprint: string; index: number }>;
}

/** The longest prefix of a customer's pending orders that one transaction and one update can take. */
function nextChunk<T extends { order: PreparedOrder }>(pending: readonly T[], timeZone: string): T[] {
  const days = new Set<string>();
  const categories = new Set<string>();
  let end = 0;
  for (const { order } of pending.slice(0, MAX_GROUP_ORDERS)) {
    days.add(localDay(order.orderedAt, timeZone));
    for (const item of order.items) if (item.category) categories.add(item.category);
    if (end > 0 && 2 * days.size + categories.size > MAX_MAP_ENTRIES) break;
    end++;
  }
  return pending.slice(0, Math.max(1, end));
}

/** The error for a customer that cannot take orders: not found, erased, merged (redirect). */
async function customerError(customerId: string): Promise<DomainError> {
  try {
    await loadCustomer(customerId, true);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  return new ConflictError(`customer ${customerId} changed concurrently; retry`);
}

function newCustomerItem(customerId: string, externalId: string, orders: OrderRecord[], now: string) {
  const record: CustomerRecord = {
    ...newProfile({ externalId }, now),
    id: customerId,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const activity = activityFromOrders(orders, businessTimeZone(), activityOptions());
  return { ...EMPTY_ACTIVITY, ...customerToItem(record), ...activity, activityVersion: 1 };
}

/**
 * Records orders of many customers: per round, one consistent read of every customer's profile,
 * then transactions that each hold the orders of several customers (order id claims, timeline
 * items, and each customer's aggregate update, guarded by what was read). A cancelled transaction
 * says which order ids were taken (answered as duplicates) and which profiles changed (read again
 * next round); everything else in it is simply sent again.
 */
export async function recordOrderJobs(jobs: readonly OrderJob[], now: string): Promise<JobResult[]> {
  const timeZone = businessTimeZone();
  const options = activityOptions();
  const states: JobState[] = jobs.map((job) => ({
    customerId: job.customerId,
    customerCreated: false,
    create: job.createWithExternalId,
    outcomes: new Array(job.orders.length),
    pending: job.orders.map((order, index) => ({ order, fingerprint: orderFingerprint(order), index })),
  }));
  const fail = (state: JobState, error: DomainError) => {
    for (const { index } of state.pending) state.outcomes[index] = error;
    state.pending = [];
  };

  for (let stuck = 0; ;) {
    const active = states.filter((state) => state.pending.length > 0);
    if (active.length === 0) break;
    if (stuck >= MAX_STUCK_ROUNDS) {
      for (const state of active)
        fail(state, new ConflictError('too many concurrent writes for this customer; retry'));
      break;
    }
    const targets = await loadOrderTargets(
      active.filter((state) => !state.create).map((state) => state.customerId),
    );
    const groups: Array<{ state: JobState; size: number; write: GroupWrite }> = [];
    for (const state of active) {
      const chunk = nextChunk(state.pending, timeZone);
      const orders = chunk.map(({ order, fingerprint }) => ({
        record: newOrderRecord(order, state.customerId, now),
        fingerprint,
      }));
      const records = orders.map(({ record }) => record);
      let write: GroupWrite;
      if (state.create) {
        const item = newCustomerItem(state.customerId, state.create, records, now);
        write = { customerId: state.customerId, orders, create: { item, externalId: state.create } };
      } else {
        const target = targets.get(state.customerId);
        if (!target) {
          fail(state, await customerError(state.customerId));
          continue;
        }
        if (target.mergingInto) {
          fail(
            state,
            new ConflictError(
              `customer ${state.customerId} is being merged into ${target.mergingInto}; retry shortly`,
            ),
          );
          continue;
        }
        const delta = activityDelta(records, target, timeZone, options);
        write = { customerId: state.customerId, orders, update: { delta, cursor: target } };
      }
      groups.push({ state, size: groupSize(write), write });
    }

    const packs: Array<typeof groups> = [];
    for (const group of groups) {
      const last = packs.at(-1);
      const used = last?.reduce((sum, member) => sum + member.size, 0) ?? MAX_PACK_ITEMS;
      if (last && used + group.size <= MAX_PACK_ITEMS) last.push(group);
      else packs.push([group]);
    }

    let progress = groups.length < active.length; // failed customers are settled too
    let contention = false;
    await mapLimit(packs, PACKS_IN_FLIGHT, async (pack) => {
      const written = await writeOrderPack(pack.map((group) => group.write));
      for (const [position, { state, write }] of pack.entries()) {
        if (written === 'written') {
          for (const [offset, entry] of state.pending.slice(0, write.orders.length).entries()) {
            state.outcomes[entry.index] = {
              status: 'created',
              order: write.orders[offset]?.record as OrderRecord,
            };
          }
          state.pending = state.pending.slice(write.orders.length);
          if (state.create) state.customerCreated = true;
          state.create = undefined;
          progress = true;
          continue;
        }
        const outcome = written[position];
        if (!outcome) continue;
        if (outcome.stale) contention = true;
        if (outcome.createFailed && state.create) {
          // Created meanwhile by a concurrent call: record the orders on that profile.
          const owner = await findCustomerIdBy('externalId', state.create);
          if (owner) {
            state.customerId = owner;
            state.create = undefined;
            progress = true;
          } else contention = true;
        }
        const settled = new Set<number>();
        for (const offset of outcome.taken) {
          const entry = state.pending[offset];
          if (!entry) continue;
          try {
            const existing = await existingOrder(state.customerId, entry.order);
            if (existing === 'retry') continue;
            state.outcomes[entry.index] = existing;
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            state.outcomes[entry.index] = error;
          }
          settled.add(offset);
        }
        if (settled.size > 0) {
          state.pending = state.pending.filter((_entry, offset) => !settled.has(offset));
          progress = true;
        }
      }
    });
    stuck = progress ? 0 : stuck + 1;
    if (contention) await pause(stuck);
  }
  return states.map(({ customerId, customerCreated, outcomes }) => ({
    customerId,
    customerCreated,
    outcomes,
  }));
}

/**
 * Records orders while remembering the product names they carry, for the birthday suggestions: one
 * BatchWrite of the distinct SKUs per request, outside the order transactions but at the same time
 * as them, so it is not one more DynamoDB round trip on the response path; it is awaited before the
 * answer (on Lambda, nothing runs after it). Names of every valid order of the request are kept,
 * also of one the transaction then refuses or answers as a duplicate: a name says what the
 * business calls a SKU, not what a customer bought. A failure costs a name (the next order with
 * that SKU brings it again), never an order.
 */
async function withProductNames<T>(orders: readonly PreparedOrder[], record: () => Promise<T>): Promise<T> {
  const items = orders.flatMap((order) => order.items);
  const names = items.some((item) => item.sku && item.name)
    ? rememberProductNames(items).catch((error: unknown) => {
        log.warn('product names not remembered', { error: (error as Error).name });
      })
    : undefined;
  try {
    return await record();
  } finally {
    await names;
  }
}

function orderContext(clock: Clock) {
  return { now: clock.now(), timeZone: businessTimeZone(), commerce: commerceSettings() };
}

/** `POST /customers/{id}/orders`. */
export async function recordOrder(
  customerId: string,
  input: OrderInput,
  clock: Clock = systemClock,
): Promise<OrderResult> {
  const context = orderContext(clock);
  const prepared = prepareOrder(input, context);
  const [job] = await withProductNames([prepared], () =>
    recordOrderJobs([{ customerId, orders: [prepared] }], context.now.toISOString()),
  );
  const outcome = job?.outcomes[0];
  if (!outcome || outcome instanceof Error) throw outcome ?? new Error('no outcome');
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Batches

export interface BatchEntryResult {
  index: number;
  orderId?: string;
  customerId?: string;
  /** A profile was created for an unknown external id (`createMissing`). */
  customerCreated?: boolean;
  result?: OrderResult;
  error?: DomainError;
}

interface ParsedEntry {
  index: number;
  order: PreparedOrder;
  ref: { customerId: string } | { externalId: string } | { email: string };
}

const refClaimKey = (ref: ParsedEntry['ref']) =>
  'externalId' in ref ? keys.externalId(ref.externalId) : 'email' in ref ? keys.email(ref.email) : undefined;

/**
 * `POST /orders/batch`: up to 100 orders of any customers. Each entry is validated, resolved and
 * recorded on its own; one bad entry never fails the others. Customers are referenced by id,
 * external id or email; with `createMissing`, an unknown external id gets a new profile.
 */
export async function recordOrderBatch(
  entries: readonly unknown[],
  options: { createMissing?: boolean },
  clock: Clock = systemClock,
): Promise<BatchEntryResult[]> {
  const context = orderContext(clock);
  const now = context.now.toISOString();
  const results: BatchEntryResult[] = entries.map((_entry, index) => ({ index }));
  const parsed: ParsedEntry[] = [];
  for (const [index, raw] of entries.entries()) {
    const result = results[index] as BatchEntryResult;
    const valid = z.safeParse(batchOrderSchema, raw);
    if (!valid.success) {
      result.error = new ValidationError(fieldIssues(valid.error));
      if (raw && typeof raw === 'object' && typeof (raw as { orderId?: unknown }).orderId === 'string') {
        result.orderId = (raw as { orderId: string }).orderId;
      }
      continue;
    }
    const { customerId, externalId, email, ...input } = valid.data;
    result.orderId = input.orderId;
    try {
      const ref = customerId ? { customerId } : externalId ? { externalId } : { email: email as string };
      parsed.push({ index, order: prepareOrder(input, context), ref });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      result.error = error;
    }
  }

  // Resolve references with one BatchGet of the uniqueness claims. With `createMissing`, an
  // unknown external id becomes a new profile, created in the transaction of its first orders.
  const owners = await ownersOfClaims(parsed.flatMap((entry) => refClaimKey(entry.ref) ?? []));
  const jobs = new Map<string, { job: OrderJob & { orders: PreparedOrder[] }; entries: ParsedEntry[] }>();
  const repeats: Array<{ entry: ParsedEntry; first: ParsedEntry }> = [];
  const firstById = new Map<string, { entry: ParsedEntry; jobKey: string }>();
  for (const entry of parsed) {
    const result = results[entry.index] as BatchEntryResult;
    const claim = refClaimKey(entry.ref);
    let customerId = 'customerId' in entry.ref ? entry.ref.customerId : claim && owners.get(claim.pk);
    let jobKey = customerId;
    if (!customerId && options.createMissing && 'externalId' in entry.ref) {
      jobKey = `new:${entry.ref.externalId}`;
      customerId = jobs.get(jobKey)?.job.customerId ?? newCustomerId(context.now.getTime());
    }
    if (!customerId || !jobKey) {
      const reference = 'externalId' in entry.ref ? `externalId ${entry.ref.externalId}` : 'this email';
      result.error = new NotFoundError('customer with', reference);
      continue;
    }
    const first = firstById.get(entry.order.orderId);
    if (first) {
      if (first.jobKey === jobKey) repeats.push({ entry, first: first.entry });
      else
        result.error = new ConflictError(
          `order ${entry.order.orderId} appears twice for different customers`,
          'orderId',
        );
      continue;
    }
    firstById.set(entry.order.orderId, { entry, jobKey });
    let job = jobs.get(jobKey);
    if (!job) {
      const create =
        jobKey.startsWith('new:') && 'externalId' in entry.ref ? entry.ref.externalId : undefined;
      job = {
        job: { customerId, orders: [], ...(create ? { createWithExternalId: create } : {}) },
        entries: [],
      };
      jobs.set(jobKey, job);
    }
    job.job.orders.push(entry.order);
    job.entries.push(entry);
  }

  const orderJobs = [...jobs.values()].map(({ job }) => job);
  const recorded = await withProductNames(
    orderJobs.flatMap((job) => job.orders),
    () => recordOrderJobs(orderJobs, now),
  );
  for (const [position, { entries: jobEntries }] of [...jobs.values()].entries()) {
    const outcome = recorded[position] as JobResult;
    for (const [offset, entry] of jobEntries.entries()) {
      const result = results[entry.index] as BatchEntryResult;
      result.customerId = outcome.customerId;
      if (outcome.customerCreated) result.customerCreated = true;
      const orderOutcome = outcome.outcomes[offset];
      if (orderOutcome instanceof DomainError) result.error = orderOutcome;
      else result.result = orderOutcome;
    }
  }

  for (const { entry, first } of repeats) {
    const result = results[entry.index] as BatchEntryResult;
    const firstResult = results[first.index] as BatchEntryResult;
    result.customerId = firstResult.customerId;
    if (orderFingerprint(entry.order) !== orderFingerprint(first.order)) {
      result.error = new ConflictError(
        `order ${entry.order.orderId} appears twice with different details`,
        'orderId',
      );
    } else if (firstResult.result) {
      result.result = { status: 'duplicate', order: firstResult.result.order };
    } else {
      result.error = firstResult.error;
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Refunds

export interface RefundResult {
  status: 'created' | 'duplicate';
  order: OrderRecord;
  refund: RefundRecord;
}

/**
 * `POST /customers/{id}/orders/{orderId}/refund`: a full or partial refund, or a cancellation.
 * With a `refundId`, a retry is answered with the refund already applied.
 */
export async function refundOrder(
  customerId: string,
  orderId: string,
  input: RefundInput,
  clock: Clock = systemClock,
): Promise<RefundResult> {
  const refundId = input.refundId ?? `ref_${ulid(clock.now().getTime())}`;
  const timeZone = businessTimeZone();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const claim = await findOrderClaim(orderId);
    const order = claim?.customerId === customerId ? await loadOrderAt(customerId, claim.orderSk) : undefined;
    if (!order) {
      await loadOrderTarget(customerId); // an unknown, erased or merged customer says so first
      throw new NotFoundError('order', orderId);
    }
    const outcome = applyRefund(order, input, refundId, clock.now().toISOString());
    if (!outcome.applied) return { status: 'duplicate', order: outcome.order, refund: outcome.refund };
    const written = await writeRefund(
      order,
      outcome.order,
      outcome.refund,
      localDay(order.orderedAt, timeZone),
    );
    if (written === 'written') return { status: 'created', order: outcome.order, refund: outcome.refund };
    await pause(attempt);
  }
  throw new ConflictError('too many concurrent changes to this order; retry');
}
