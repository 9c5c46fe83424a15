// Merging a duplicate customer into a survivor, in steps that are each safe to repeat, so a
// retried or crashed merge simply runs again and completes:
//   1. begin:  the duplicate is marked `mergingInto` (orders and refunds for it are refused from
//              now on), in a transaction that checks the survivor is not being merged itself;
//   2. move:   every timeline item (and client-id claim) is copied to the survivor's partition
//              (a copy never overwrites), order id claims are repointed, the original deleted;
//   3. commit: ONE transaction recomputes the survivor's aggregates, takes over the duplicate's
//              profile fields and uniqueness claims (or releases them), deletes the duplicate's
//              profile and leaves the `MERGED` redirect marker;
//   4. finish: anything written to the duplicate's partition meanwhile is moved, the rest deleted.
import {
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import type { CustomerRecord, ProfileFields } from '../domain/customer.js';
import { ConflictError } from '../domain/errors.js';
import { mergeMessagingStates, type UniqueField } from '../domain/customer-merge.js';
import type { MessagingState } from '../domain/messaging/decision.js';
import { ORDER_KIND, type OrderActivity } from '../domain/order.js';
import {
  batchWrite,
  cancellationCodes,
  deleteRequest,
  isConditionFailure,
  putIfAbsent,
  queryAll,
} from './dynamo-helpers.js';
import {
  customerPartition,
  indexKeys,
  type Key,
  keys,
  MESSAGE_LEDGER_PREFIX,
  messageKeys,
  TIMELINE_PREFIX,
} from './keys.js';
import { getItem } from './timeline-repository.js';
import { mapLimit } from '../concurrency.js';

type Item = Record<string, unknown>;
type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** The profile item as stored (profile fields, aggregates, scores, index keys). */
export const loadProfileItem = (customerId: string): Promise<Item | undefined> =>
  getItem(keys.customer(customerId));

/** Where a merged-away customer went, if it was merged. */
export async function mergedInto(customerId: string): Promise<string | undefined> {
  return (await getItem(keys.mergedInto(customerId)))?.into as string | undefined;
}

export type BeginOutcome = 'started' | 'duplicate-unavailable' | 'survivor-unavailable';

/** Step 1: mark the duplicate as merging into the survivor (idempotent for the same survivor). */
export async function beginMerge(survivorId: string, duplicateId: string): Promise<BeginOutcome> {
  const TableName = tableName();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.customer(duplicateId),
              UpdateExpression: 'SET #merging = :survivor',
              ConditionExpression:
                'attribute_exists(pk) AND (attribute_not_exists(#merging) OR #merging = :survivor)',
              ExpressionAttributeNames: { '#merging': 'mergingInto' },
              ExpressionAttributeValues: { ':survivor': survivorId },
            },
          },
          {
            ConditionCheck: {
              TableName,
              Key: keys.customer(survivorId),
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#merging)',
              ExpressionAttributeNames: { '#merging': 'mergingInto' },
            },
          },
        ],
      }),
    );
    return 'started';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const codes = cancellationCodes(error);
    if (codes[0] === 'ConditionalCheckFailed') return 'duplicate-unavailable';
    if (codes[1] === 'ConditionalCheckFailed') return 'survivor-unavailable';
    throw error;
  }
}

// The timeline (orders, events, feedback, complaints and the message log), client-id claims and
// the send ledger: a birthday greeted or a win-back sent under the duplicate's id counts for the
// survivor (one person), so the same period is never messaged twice.
const MOVABLE_PREFIXES = [TIMELINE_PREFIX, 'CLAIM#', MESSAGE_LEDGER_PREFIX];

/**
 * Step 2 (and 4): moves the duplicate's timeline items, client-id claims and send ledger to the
 * survivor, and merges its messaging state into the survivor's. Each item: copy (only if the
 * survivor has no item with that key: a repeated run never overwrites a copy changed since, e.g.
 * refunded; the survivor's own ledger entry for the same period stands), repoint the order id
 * claim or the open win-back, delete the original. Returns how many timeline items moved.
 */
export async function moveCustomerItems(fromId: string, toId: string): Promise<number> {
  const TableName = tableName();
  const items = (
    await Promise.all(
      MOVABLE_PREFIXES.map((prefix) =>
        queryAll({
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': customerPartition(fromId), ':prefix': prefix },
          ConsistentRead: true,
        }),
      ),
    )
  ).flat();
  await mapLimit(items, 8, async (item) => {
    const copy: Item = { ...item, pk: customerPartition(toId) };
    if ('customerId' in copy) copy.customerId = toId;
    await putIfAbsent(copy);
    if (item.kind === ORDER_KIND && typeof item.orderId === 'string') {
      try {
        await documentClient.send(
          new UpdateCommand({
            TableName,
            Key: keys.orderId(item.orderId),
            UpdateExpression: 'SET customerId = :to',
            ConditionExpression: 'customerId IN (:from, :to)',
            ExpressionAttributeValues: { ':from': fromId, ':to': toId },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    if (item.campaign === 'winback' && item.state === 'sent' && typeof item.sentAt === 'string') {
      await moveOpenWinback(item.sentAt.slice(0, 10), String(item.period), fromId, toId);
    }
    await documentClient.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } }));
  });
  await mergeMessagingState(fromId, toId);
  return items.filter((item) => String(item.sk).startsWith(TIMELINE_PREFIX)).length;
}

/** A win-back still awaiting attribution now waits for the survivor's orders (which include the duplicate's). */
async function moveOpenWinback(sentDay: string, period: string, fromId: string, toId: string) {
  const open = await getItem(messageKeys.openWinback(sentDay, fromId, period));
  if (!open) return; // converted or closed already
  await putIfAbsent({ ...open, ...messageKeys.openWinback(sentDay, toId, period), customerId: toId });
  await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: { pk: open.pk, sk: open.sk } }));
}

const STATE_ATTRIBUTES = ['lastMarketingAt', 'lastWinbackAt', 'winbackSends'] as const;

const messagingStateOf = (item: Item | undefined): MessagingState =>
  Object.fromEntries(STATE_ATTRIBUTES.flatMap((name) => (item?.[name] ? [[name, item[name]]] : [])));

/**
 * The duplicate's messaging state merged into the survivor's (the stricter of both: see
 * `mergeMessagingStates`). Conditional on the survivor's state being as read, so a send claimed
 * for the survivor meanwhile is never overwritten: read again and retry. Repeating it is harmless.
 */
export async function mergeMessagingState(fromId: string, toId: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const [mine, theirs] = await Promise.all([
      getItem(messageKeys.state(toId)),
      getItem(messageKeys.state(fromId)),
    ]);
    if (!theirs) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const unchanged = mine
      ? STATE_ATTRIBUTES.map((name, index) => {
          names[`#s${index}`] = name;
          if (mine[name] === undefined) return `attribute_not_exists(#s${index})`;
          values[`:s${index}`] = name === 'winbackSends' ? (mine[name] as unknown[]).length : mine[name];
          return name === 'winbackSends' ? `size(#s${index}) = :s${index}` : `#s${index} = :s${index}`;
        }).join(' AND ')
      : 'attribute_not_exists(pk)';
    try {
      await documentClient.send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...mine,
            ...messageKeys.state(toId),
            type: 'messaging-state',
            ...mergeMessagingStates(messagingStateOf(mine), messagingStateOf(theirs)),
          },
          ConditionExpression: unchanged,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new ConflictError('the survivor was messaged too often during the merge; retry');
}

export interface MergeCommit {
  survivor: CustomerRecord & Item;
  duplicate: CustomerRecord & Item;
  /** The survivor's profile fields after the merge. */
  merged: ProfileFields;
  /** Uniqueness claims of the duplicate the survivor takes over; the others are released. */
  takeOver: readonly UniqueField[];
  /** Aggregates recomputed from every order the survivor now holds. */
  activity: OrderActivity;
  now: string;
}

const uniqueKey = (field: UniqueField, value: string): Key =>
  field === 'email' ? keys.email(value) : field === 'phone' ? keys.phone(value) : keys.externalId(value);

const ACTIVITY_FIELDS = [
  'dailySpend',
  'dailyOrders',
  'categoryCounts',
  'skus',
  'orderCount',
  'totalSpend',
  'refundTotal',
  'firstOrderAt',
  'lastOrderAt',
] as const;

/**
 * Step 3, one transaction. Guarded by the survivor's profile version and activity version (an
 * order, refund or profile change meanwhile makes it fail: read again and retry) and by the
 * duplicate's `mergingInto`.
 */
export async function commitMerge(commit: MergeCommit): Promise<'written' | 'stale'> {
  const TableName = tableName();
  const { survivor, duplicate, merged, takeOver, activity, now } = commit;
  const names: Record<string, string> = {
    '#version': 'version',
    '#activity': 'activityVersion',
    '#updatedAt': 'updatedAt',
    '#merging': 'mergingInto',
  };
  const values: Record<string, unknown> = { ':version': survivor.version, ':one': 1, ':now': now };
  const sets = ['#updatedAt = :now'];
  const removes: string[] = [];
  const assign = (name: string, attribute: string, value: unknown) => {
    names[`#${name}`] = attribute;
    if (value === undefined) {
      removes.push(`#${name}`);
    } else {
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
  };
  for (const [index, field] of ACTIVITY_FIELDS.entries()) assign(`a${index}`, field, activity[field]);
  for (const [index, [field, value]] of Object.entries(merged).entries()) {
    if (JSON.stringify(value) !== JSON.stringify(survivor[field as keyof ProfileFields]))
      assign(`p${index}`, field, value);
  }
  if (merged.birthDate && !survivor.birthDate) {
    for (const [attribute, value] of Object.entries(indexKeys.birthday(merged.birthDate, survivor.id))) {
      assign(attribute, attribute, value);
    }
  }
  // Behaviour-event counts cannot be recomputed (raw events may expire): add the duplicate's.
  const eventCounts = (duplicate.eventCounts ?? {}) as Record<string, number>;
  for (const [index, [kind, count]] of Object.entries(eventCounts).entries()) {
    names['#events'] = 'eventCounts';
    names[`#e${index}`] = kind;
    values[`:e${index}`] = count;
    values[':zero'] = 0;
    sets.push(`#events.#e${index} = if_not_exists(#events.#e${index}, :zero) + :e${index}`);
  }
  const activityGuard =
    survivor.activityVersion === undefined
      ? 'attribute_not_exists(#activity)'
      : '#activity = :activityVersion';
  if (survivor.activityVersion !== undefined) values[':activityVersion'] = survivor.activityVersion;

  // The duplicate's uniqueness claims: taken over by the survivor, or released.
  const claimWrites: TransactItems = [];
  for (const field of ['email', 'phone', 'externalId'] as const) {
    const value = duplicate[field];
    if (!value) continue;
    const Key = uniqueKey(field, value);
    claimWrites.push(
      takeOver.includes(field)
        ? {
            Update: {
              TableName,
              Key,
              UpdateExpression: 'SET customerId = :survivor',
              ConditionExpression: 'customerId = :duplicate',
              ExpressionAttributeValues: { ':survivor': survivor.id, ':duplicate': duplicate.id },
            },
          }
        : {
            Delete: {
              TableName,
              Key,
              ConditionExpression: 'attribute_not_exists(pk) OR customerId = :duplicate',
              ExpressionAttributeValues: { ':duplicate': duplicate.id },
            },
          },
    );
  }
  const oldTags = new Set(duplicate.tags ?? []);
  const survivorTags = new Set(survivor.tags ?? []);
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.customer(survivor.id),
              UpdateExpression: `SET ${sets.join(', ')} ADD #version :one, #activity :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
              ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(#merging) AND #version = :version AND ${activityGuard}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          {
            Delete: {
              TableName,
              Key: keys.customer(duplicate.id),
              ConditionExpression: '#merging = :survivor',
              ExpressionAttributeNames: { '#merging': 'mergingInto' },
              ExpressionAttributeValues: { ':survivor': survivor.id },
            },
          },
          {
            Put: {
              TableName,
              Item: { ...keys.mergedInto(duplicate.id), type: 'merged', into: survivor.id, mergedAt: now },
            },
          },
          ...claimWrites,
          ...[...oldTags].map((tag) => ({ Delete: { TableName, Key: keys.tag(tag, duplicate.id) } })),
          ...(merged.tags ?? [])
            .filter((tag) => !survivorTags.has(tag))
            .map((tag) => ({
              Put: {
                TableName,
                Item: { ...keys.tag(tag, survivor.id), type: 'tag', customerId: survivor.id },
              },
            })),
        ],
      }),
    );
    return 'written';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'stale';
  }
}

/** Step 4: whatever is left of the duplicate's partition, except the redirect marker. */
export async function clearMergedPartition(duplicateId: string, survivorId: string): Promise<number> {
  const moved = await moveCustomerItems(duplicateId, survivorId);
  const rest = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': customerPartition(duplicateId) },
    ProjectionExpression: 'pk, sk',
  });
  const marker = keys.mergedInto(duplicateId).sk;
  await batchWrite(
    rest
      .filter((item) => item.sk !== marker)
      .map((item) => deleteRequest({ pk: String(item.pk), sk: String(item.sk) })),
  );
  return moved;
}
