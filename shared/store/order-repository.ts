// Orders in the single table. An order is three writes in ONE transaction: the order id claim
// (`ORDERID#<id>`, attribute_not_exists: a retry or a concurrent duplicate cannot pass), the
// order on the customer's timeline, and the profile aggregates. A refund is the order's new state
// (conditional on its revision) plus the aggregates, again in one transaction. So an acknowledged
// order or refund is counted exactly once, and a crash can only leave nothing or everything.
import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import {
  type ActivityCursor,
  type ActivityDelta,
  ORDER_KIND,
  type OrderRecord,
  type RefundRecord,
} from '../domain/order.js';
import { loadCustomer } from './customer-repository.js';
import { cancellationCodes, isConditionFailure } from './dynamo-helpers.js';
import { customerPartition, type Key, keys, TIMELINE_PREFIX } from './keys.js';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Attributes of the order item that are storage, not order. */
const STORAGE_ATTRIBUTES = new Set(['pk', 'sk', 'type', 'kind', 'at']);

export function orderKey(order: Pick<OrderRecord, 'customerId' | 'orderedAt' | 'orderId'>) {
  return keys.timeline(order.customerId, order.orderedAt, ORDER_KIND, order.orderId);
}

/** The stored item: timeline keys, `kind: 'order'` and `at` (for the timeline), the order fields. */
export function orderToItem(order: OrderRecord): Item {
  return { ...orderKey(order), type: 'order', kind: ORDER_KIND, at: order.orderedAt, ...order };
}

export function orderFromItem(item: Item): OrderRecord {
  return Object.fromEntries(
    Object.entries(item).filter(([key]) => !STORAGE_ATTRIBUTES.has(key)),
  ) as unknown as OrderRecord;
}

/** What an order id claim holds: whose order it is, where it lives, what was sent. */
export interface OrderClaim {
  orderId: string;
  customerId: string;
  orderSk: string;
  fingerprint: string;
}

export async function findOrderClaim(orderId: string): Promise<OrderClaim | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.orderId(orderId), ConsistentRead: true }),
  );
  return result.Item as OrderClaim | undefined;
}

export async function loadOrderAt(customerId: string, orderSk: string): Promise<OrderRecord | undefined> {
  const result = await documentClient.send(
    new GetCommand({
      TableName: tableName(),
      Key: { pk: customerPartition(customerId), sk: orderSk },
      ConsistentRead: true,
    }),
  );
  return result.Item ? orderFromItem(result.Item) : undefined;
}

/** The profile fields an order write depends on, or NotFound / Gone (erased, merged). */
export interface OrderTarget extends ActivityCursor {
  /** Set while the customer is being merged into another: no new orders or refunds then. */
  mergingInto?: string;
}

export async function loadOrderTarget(customerId: string): Promise<OrderTarget> {
  const result = await documentClient.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.customer(customerId),
      ConsistentRead: true,
      ProjectionExpression: '#first, #last, #skus, #merging',
      ExpressionAttributeNames: {
        '#first': 'firstOrderAt',
        '#last': 'lastOrderAt',
        '#skus': 'skus',
        '#merging': 'mergingInto',
      },
    }),
  );
  if (!result.Item) {
    await loadCustomer(customerId, true); // throws the right error: not found, erased or merged
    throw new NotFoundError('customer', customerId);
  }
  const target = result.Item as OrderTarget;
  if (target.mergingInto) {
    throw new ConflictError(
      `customer ${customerId} is being merged into ${target.mergingInto}; retry shortly`,
    );
  }
  return target;
}

interface Expression {
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** The profile update adding a group of orders (see `activityDelta`), with its guards. */
function addOrdersUpdate(customerId: string, delta: ActivityDelta, cursor: ActivityCursor): TransactItem {
  const expression: Expression = {
    names: {
      '#count': 'orderCount',
      '#spend': 'totalSpend',
      '#activity': 'activityVersion',
      '#merging': 'mergingInto',
    },
    values: { ':count': delta.orderCount, ':spend': delta.spend, ':one': 1 },
  };
  const { names, values } = expression;
  const sets: string[] = [];
  const conditions = ['attribute_exists(pk)', 'attribute_not_exists(#merging)'];
  const addsToMaps = Object.keys(delta.days).length + Object.keys(delta.categories).length > 0;
  if (addsToMaps) values[':z'] = 0;
  for (const [index, [day, entry]] of Object.entries(delta.days).entries()) {
    // Short placeholders: an update expression may be at most 4 KB.
    names['#ds'] = 'dailySpend';
    names['#do'] = 'dailyOrders';
    names[`#d${index}`] = day;
    values[`:s${index}`] = entry.spend;
    values[`:o${index}`] = entry.orders;
    sets.push(
      `#ds.#d${index} = if_not_exists(#ds.#d${index}, :z) + :s${index}`,
      `#do.#d${index} = if_not_exists(#do.#d${index}, :z) + :o${index}`,
    );
  }
  for (const [index, [category, quantity]] of Object.entries(delta.categories).entries()) {
    names['#cc'] = 'categoryCounts';
    names[`#c${index}`] = category;
    values[`:c${index}`] = quantity;
    sets.push(`#cc.#c${index} = if_not_exists(#cc.#c${index}, :z) + :c${index}`);
  }
  // First and last order times only move outwards; the conditions make a concurrent order that
  // moved them further fail this transaction (it is retried with a fresh read) instead of
  // overwriting an earlier first or a later last.
  if (delta.firstOrderAt) {
    names['#first'] = 'firstOrderAt';
    values[':first'] = delta.firstOrderAt;
    sets.push('#first = :first');
    conditions.push('(attribute_not_exists(#first) OR #first > :first)');
  }
  if (delta.lastOrderAt) {
    names['#last'] = 'lastOrderAt';
    values[':last'] = delta.lastOrderAt;
    sets.push('#last = :last');
    conditions.push('(attribute_not_exists(#last) OR #last < :last)');
  }
  if (delta.newSkus.length > 0) {
    names['#skus'] = 'skus';
    values[':newSkus'] = delta.newSkus;
    values[':noSkus'] = [];
    sets.push('#skus = list_append(if_not_exists(#skus, :noSkus), :newSkus)');
    // The list was read to keep it distinct and capped: it must not have grown since.
    if (cursor.skus) {
      values[':skuCount'] = cursor.skus.length;
      conditions.push('size(#skus) = :skuCount');
    } else {
      conditions.push('attribute_not_exists(#skus)');
    }
  }
  const adds = ['#count :count', '#spend :spend', '#activity :one'];
  if (delta.refunds !== 0) {
    names['#refunds'] = 'refundTotal';
    values[':refunds'] = delta.refunds;
    adds.push('#refunds :refunds');
  }
  return {
    Update: {
      TableName: tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}ADD ${adds.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** The profile fields an order write reads, for many customers in one round trip. */
export async function loadOrderTargets(customerIds: readonly string[]): Promise<Map<string, OrderTarget>> {
  const TableName = tableName();
  const targets = new Map<string, OrderTarget>();
  const distinct = [...new Set(customerIds)];
  for (let start = 0; start < distinct.length; start += 100) {
    let pending: Item[] | undefined = distinct.slice(start, start + 100).map((id) => keys.customer(id));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const result = await documentClient.send(
        new BatchGetCommand({
          RequestItems: {
            [TableName]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: 'pk, #first, #last, #skus, #merging',
              ExpressionAttributeNames: {
                '#first': 'firstOrderAt',
                '#last': 'lastOrderAt',
                '#skus': 'skus',
                '#merging': 'mergingInto',
              },
            },
          },
        }),
      );
      for (const item of result.Responses?.[TableName] ?? []) {
        const { pk, ...target } = item;
        targets.set(String(pk).slice(customerPartition('').length), target as OrderTarget);
      }
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
    }
  }
  return targets;
}

/** New orders of one customer, written together with that customer's profile change. */
export interface GroupWrite {
  customerId: string;
  orders: ReadonlyArray<{ record: OrderRecord; fingerprint: string }>;
  /** What the orders add to an existing profile, guarded by the values it was computed from. */
  update?: { delta: ActivityDelta; cursor: ActivityCursor };
  /**
   * Or a profile to create with these orders already in its aggregates (an import's unknown
   * external id): the profile and its external-id claim are put in the same transaction.
   */
  create?: { item: Item; externalId: string };
}

/** Items one group takes in a transaction. */
export const groupSize = (group: GroupWrite) => 2 * group.orders.length + (group.create ? 2 : 1);

export interface GroupOutcome {
  /** Orders (indexes into the group) whose id was already claimed: retries or duplicates. */
  taken: number[];
  /** The profile changed since it was read, or is gone: read again. */
  stale: boolean;
  /** The profile to create exists already (its external id was claimed meanwhile). */
  createFailed: boolean;
}

/**
 * Groups of several customers in ONE transaction (at most 100 items): each order's id claim and
 * timeline item, each customer's profile update (or creation). All or nothing; when cancelled,
 * the per-item reasons say which group failed why, so the others can simply be sent again.
 */
export async function writeOrderPack(groups: readonly GroupWrite[]): Promise<'written' | GroupOutcome[]> {
  const TableName = tableName();
  const items: TransactItem[] = [];
  const owners: Array<{ group: number; order?: number; role: 'claim' | 'order' | 'profile' | 'create' }> = [];
  for (const [groupIndex, group] of groups.entries()) {
    for (const [orderIndex, { record, fingerprint }] of group.orders.entries()) {
      items.push(
        {
          Put: {
            TableName,
            Item: {
              ...keys.orderId(record.orderId),
              type: 'order-claim',
              orderId: record.orderId,
              customerId: group.customerId,
              orderSk: orderKey(record).sk,
              fingerprint,
              recordedAt: record.recordedAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName, Item: orderToItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
      );
      owners.push(
        { group: groupIndex, order: orderIndex, role: 'claim' },
        { group: groupIndex, order: orderIndex, role: 'order' },
      );
    }
    if (group.create) {
      items.push(
        { Put: { TableName, Item: group.create.item, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName,
            // The uniqueness claim as the customer repository writes it.
            Item: {
              ...keys.externalId(group.create.externalId),
              type: 'unique',
              customerId: group.customerId,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      );
      owners.push({ group: groupIndex, role: 'create' }, { group: groupIndex, role: 'create' });
    } else if (group.update) {
      items.push(addOrdersUpdate(group.customerId, group.update.delta, group.update.cursor));
      owners.push({ group: groupIndex, role: 'profile' });
    }
  }
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
    return 'written';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const outcomes: GroupOutcome[] = groups.map(() => ({ taken: [], stale: false, createFailed: false }));
    for (const [index, code] of cancellationCodes(error).entries()) {
      const owner = owners[index];
      const outcome = owner && outcomes[owner.group];
      if (!owner || !outcome || code === 'None') continue;
      if (code !== 'ConditionalCheckFailed')
        outcome.stale = true; // TransactionConflict and the like
      else if (owner.role === 'create') outcome.createFailed = true;
      else if (owner.role === 'profile') outcome.stale = true;
      else if (owner.order !== undefined && !outcome.taken.includes(owner.order))
        outcome.taken.push(owner.order);
    }
    return outcomes;
  }
}

/**
 * A refund: the order's new state (only if nobody changed it since `previous` was read) and the
 * aggregates: net spend of the order's day and in total go down, refunds up.
 */
export async function writeRefund(
  previous: OrderRecord,
  next: OrderRecord,
  refund: RefundRecord,
  orderDay: string,
): Promise<'written' | 'stale'> {
  const TableName = tableName();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: orderToItem(next),
              ConditionExpression: '#revision = :revision',
              ExpressionAttributeNames: { '#revision': 'revision' },
              ExpressionAttributeValues: { ':revision': previous.revision },
            },
          },
          {
            Update: {
              TableName,
              Key: keys.customer(next.customerId),
              UpdateExpression:
                'SET #dailySpend.#day = if_not_exists(#dailySpend.#day, :zero) - :value ADD #spend :negative, #refunds :value, #activity :one',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#merging)',
              ExpressionAttributeNames: {
                '#dailySpend': 'dailySpend',
                '#day': orderDay,
                '#spend': 'totalSpend',
                '#refunds': 'refundTotal',
                '#activity': 'activityVersion',
                '#merging': 'mergingInto',
              },
              ExpressionAttributeValues: {
                ':zero': 0,
                ':one': 1,
                ':value': refund.value,
                ':negative': -refund.value,
              },
            },
          },
        ],
      }),
    );
    return 'written';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const codes = cancellationCodes(error);
    if (codes[1] === 'ConditionalCheckFailed') {
      // The profile is gone or being merged: say which.
      await loadOrderTarget(next.customerId);
    }
    return 'stale';
  }
}

/** Every order of a customer (bounded: one customer's history), oldest first. */
export async function listCustomerOrders(customerId: string): Promise<OrderRecord[]> {
  const orders: OrderRecord[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#kind = :order',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':pk': customerPartition(customerId),
          ':prefix': TIMELINE_PREFIX,
          ':order': ORDER_KIND,
        },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    orders.push(...(page.Items ?? []).map(orderFromItem));
    ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
  } while (ExclusiveStartKey);
  return orders;
}

/**
 * Owners of uniqueness claims (`EXT#…`, `EMAIL#…`) in one round trip: claim pk → customer id.
 * Resolves the customer references of an order batch.
 */
export async function ownersOfClaims(claimKeys: readonly Key[]): Promise<Map<string, string>> {
  const TableName = tableName();
  const owners = new Map<string, string>();
  const distinct = [...new Map(claimKeys.map((key) => [key.pk, key])).values()];
  for (let start = 0; start < distinct.length; start += 100) {
    let pending: Item[] | undefined = distinct.slice(start, start + 100);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const result = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[TableName] ?? [])
        owners.set(String(item.pk), String(item.customerId));
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
    }
  }
  return owners;
}
