// Use cases of orders and refunds: record one order, a batch of up to 100 (each answered on its
// own), refund or cancel. An order id is recorded once: a retry, a concurrent duplicate or a
// repeat inside a batch is answered with the order already stored.
import * as z from 'zod/mini';
import { type CommerceSettings, commerceSettingsSchema, DEFAULT_COMMERCE, minorDigits } from '../domain/commerce.js';
import { ConflictError, DomainError, DuplicateCustomerError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  type ActivityOptions,
  activityDelta,
  applyRefund,
  newOrderRecord,
  type OrderInput,
  type OrderRecord,
  orderInputSchema,
  type PreparedOrder,
  prepareOrder,
  type RefundInput,
  type RefundRecord,
} from '../domain/order.js';
import { localDay } from '../domain/time.js';
import { batchOrderSchema } from '../api/orders-contract.js';
import { fieldIssues } from '../http/problem.js';
import { ulid } from '../ids.js';
import { businessTimeZone, settingsSection } from '../settings.js';
import { keys } from '../store/keys.js';
import {
  findOrderClaim,
  loadOrderAt,
  loadOrderTarget,
  ownersOfClaims,
  writeOrderGroup,
  writeRefund,
} from '../store/order-repository.js';
import { type Clock, createCustomer, systemClock } from './customer-profiles.js';
import { fingerprint } from './fingerprint.js';

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

/** Orders per transaction: 2 items each plus the profile stay within DynamoDB's 100. */
const GROUP_SIZE = 40;
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

/**
 * Records a customer's orders (distinct order ids), 40 per transaction, each transaction also
 * updating the profile aggregates. Per order: its result, or the domain error that refused it.
 * Errors about the customer (not found, erased, merged) refuse the whole call.
 */
export async function recordCustomerOrders(
  customerId: string,
  orders: readonly PreparedOrder[],
  now: string,
): Promise<Array<OrderResult | DomainError>> {
  const timeZone = businessTimeZone();
  const options = activityOptions();
  const results: Array<OrderResult | DomainError | undefined> = new Array(orders.length);
  for (let start = 0; start < orders.length; start += GROUP_SIZE) {
    let pending = orders.slice(start, start + GROUP_SIZE).map((order, offset) => ({ order, index: start + offset }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_ATTEMPTS) throw new ConflictError('too many concurrent writes for this customer; retry');
      const target = await loadOrderTarget(customerId);
      const group = pending.map(({ order }) => ({
        record: newOrderRecord(order, customerId, now),
        fingerprint: orderFingerprint(order),
      }));
      const delta = activityDelta(
        group.map(({ record }) => record),
        target,
        timeZone,
        options,
      );
      const written = await writeOrderGroup(customerId, group, delta, target);
      if (written.outcome === 'written') {
        for (const [position, { index }] of pending.entries()) {
          results[index] = { status: 'created', order: group[position]?.record as OrderRecord };
        }
        pending = [];
      } else if (written.outcome === 'taken') {
        const taken = new Set(written.indexes);
        for (const position of taken) {
          const entry = pending[position] as (typeof pending)[number];
          try {
            const existing = await existingOrder(customerId, entry.order);
            if (existing !== 'retry') results[entry.index] = existing;
            else taken.delete(position);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            results[entry.index] = error;
          }
        }
        pending = pending.filter((_entry, position) => !taken.has(position));
      } else {
        await pause(attempt);
      }
    }
  }
  return results as Array<OrderResult | DomainError>;
}

function orderContext(clock: Clock) {
  return { now: clock.now(), timeZone: businessTimeZone(), commerce: commerceSettings() };
}

/** `POST /customers/{id}/orders`. */
export async function recordOrder(customerId: string, input: OrderInput, clock: Clock = systemClock): Promise<OrderResult> {
  const context = orderContext(clock);
  const prepared = prepareOrder(input, context);
  const [result] = await recordCustomerOrders(customerId, [prepared], context.now.toISOString());
  if (!result || result instanceof Error) throw result ?? new Error('no result');
  return result;
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

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

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

  // Resolve references: one BatchGet of the uniqueness claims; create missing profiles if asked.
  const owners = await ownersOfClaims(parsed.flatMap((entry) => refClaimKey(entry.ref) ?? []));
  const created = new Set<string>();
  if (options.createMissing) {
    const missing = [
      ...new Set(
        parsed.flatMap((entry) =>
          'externalId' in entry.ref && !owners.has(keys.externalId(entry.ref.externalId).pk) ? [entry.ref.externalId] : [],
        ),
      ),
    ];
    await mapLimit(missing, 8, async (externalId) => {
      const claim = keys.externalId(externalId).pk;
      try {
        const customer = await createCustomer({ externalId }, clock);
        owners.set(claim, customer.id);
        created.add(customer.id);
      } catch (error) {
        // Created meanwhile by a concurrent request: use that profile.
        if (!(error instanceof DuplicateCustomerError)) throw error;
        owners.set(claim, error.existingId);
      }
    });
  }

  // Group by customer; a repeated order id inside the batch is answered after its first entry.
  const groups = new Map<string, ParsedEntry[]>();
  const repeats: Array<{ entry: ParsedEntry; first: ParsedEntry }> = [];
  const firstById = new Map<string, ParsedEntry>();
  for (const entry of parsed) {
    const result = results[entry.index] as BatchEntryResult;
    const claim = refClaimKey(entry.ref);
    const customerId = 'customerId' in entry.ref ? entry.ref.customerId : claim && owners.get(claim.pk);
    if (!customerId) {
      const reference = 'externalId' in entry.ref ? `externalId ${entry.ref.externalId}` : 'this email';
      result.error = new NotFoundError('customer with', reference);
      continue;
    }
    result.customerId = customerId;
    if (created.has(customerId)) result.customerCreated = true;
    const first = firstById.get(entry.order.orderId);
    if (first) {
      repeats.push({ entry, first });
      continue;
    }
    firstById.set(entry.order.orderId, entry);
    groups.set(customerId, [...(groups.get(customerId) ?? []), entry]);
  }

  await mapLimit([...groups], 8, async ([customerId, group]) => {
    try {
      const outcomes = await recordCustomerOrders(
        customerId,
        group.map((entry) => entry.order),
        now,
      );
      for (const [position, entry] of group.entries()) {
        const outcome = outcomes[position];
        const result = results[entry.index] as BatchEntryResult;
        if (outcome instanceof DomainError) result.error = outcome;
        else result.result = outcome;
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      for (const entry of group) (results[entry.index] as BatchEntryResult).error = error;
    }
  });

  for (const { entry, first } of repeats) {
    const result = results[entry.index] as BatchEntryResult;
    const firstResult = results[first.index] as BatchEntryResult;
    if (result.customerId !== firstResult.customerId) {
      result.error = new ConflictError(`order ${entry.order.orderId} appears twice for different customers`, 'orderId');
    } else if (orderFingerprint(entry.order) !== orderFingerprint(first.order)) {
      result.error = new ConflictError(`order ${entry.order.orderId} appears twice with different details`, 'orderId');
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
    const written = await writeRefund(order, outcome.order, outcome.refund, localDay(order.orderedAt, timeZone));
    if (written === 'written') return { status: 'created', order: outcome.order, refund: outcome.refund };
    await pause(attempt);
  }
  throw new ConflictError('too many concurrent changes to this order; retry');
}
