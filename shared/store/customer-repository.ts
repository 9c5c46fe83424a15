// Customer profiles in the single table: the profile item, its uniqueness claims (email, phone,
// external id) and tag memberships, always written together in one transaction.
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import { EMPTY_ACTIVITY } from '../domain/customer-activity.js';
import {
  birthMonthDay,
  type CustomerRecord,
  PROFILE_FIELDS,
  type ProfileFields,
} from '../domain/customer.js';
import {
  ConflictError,
  DuplicateCustomerError,
  GoneError,
  NotFoundError,
  PreconditionFailedError,
} from '../domain/errors.js';
import {
  cancellationCodes,
  cursor,
  deleteRequest,
  isConditionFailure,
  batchWrite,
  queryAll,
  queryShards,
} from './dynamo-helpers.js';
import { customerPartition, indexKeys, type Key, keys, PROFILE } from './keys.js';
import { deleteLocatedItems } from './privacy-repository.js';

type Item = Record<string, unknown>;

/** A stored customer: the profile record plus whatever other features keep on it (stats, scores). */
export type StoredCustomer = CustomerRecord & Record<string, unknown>;

type UniqueField = 'email' | 'phone' | 'externalId';
const UNIQUE_FIELDS: readonly UniqueField[] = ['email', 'phone', 'externalId'];

const uniqueKey = (field: UniqueField, value: string): Key =>
  field === 'email' ? keys.email(value) : field === 'phone' ? keys.phone(value) : keys.externalId(value);

/** Key and index attributes never leave the repository. */
const INTERNAL_ATTRIBUTES = new Set(['pk', 'sk', 'type', 'listPk', 'listSk', 'birthdayPk', 'birthdaySk']);

export function fromItem(item: Item): StoredCustomer {
  return Object.fromEntries(
    Object.entries(item).filter(([key]) => !INTERNAL_ATTRIBUTES.has(key)),
  ) as StoredCustomer;
}

function birthdayKeys(birthDate: string | undefined, customerId: string) {
  return birthDate ? { birthdayPk: `BIRTHDAY#${birthMonthDay(birthDate)}`, birthdaySk: customerId } : {};
}

export function toItem(record: CustomerRecord): Item {
  return {
    ...keys.customer(record.id),
    type: 'customer',
    ...indexKeys.customerList(record.createdAt, record.id),
    ...birthdayKeys(record.birthDate, record.id),
    ...record,
  };
}

async function ownerOf(field: UniqueField, value: string): Promise<string | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: uniqueKey(field, value), ConsistentRead: true }),
  );
  return result.Item?.customerId as string | undefined;
}

/**
 * After a cancelled transaction: which uniqueness claim was taken, and by whom. The claims sit at
 * known positions of the transaction (`claimFields[i]` at `offset + i`).
 */
async function duplicateFrom(
  error: unknown,
  claims: Array<{ field: UniqueField; value: string }>,
  offset: number,
) {
  const codes = cancellationCodes(error);
  for (const [index, claim] of claims.entries()) {
    if (codes[offset + index] === 'ConditionalCheckFailed') {
      const owner = await ownerOf(claim.field, claim.value);
      return new DuplicateCustomerError(claim.field, owner ?? 'unknown');
    }
  }
  return undefined;
}

function claimsOf(profile: ProfileFields) {
  return UNIQUE_FIELDS.flatMap((field) =>
    profile[field] ? [{ field, value: profile[field] as string }] : [],
  );
}

/** Create a profile; a second profile with the same email, phone or external id is refused. */
export async function insertCustomer(record: CustomerRecord): Promise<void> {
  const claims = claimsOf(record);
  const TableName = tableName();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName,
              Item: { ...EMPTY_ACTIVITY, ...toItem(record) },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...claims.map((claim) => ({
            Put: {
              TableName,
              Item: { ...uniqueKey(claim.field, claim.value), type: 'unique', customerId: record.id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
          ...(record.tags ?? []).map((tag) => ({
            Put: { TableName, Item: { ...keys.tag(tag, record.id), type: 'tag', customerId: record.id } },
          })),
        ],
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    throw (await duplicateFrom(error, claims, 1)) ?? new ConflictError('the customer id is taken; retry');
  }
}

/**
 * A profile item with the customer's nightly scores, which live in an item of their own beside it
 * (`keys.scores`, written only by the nightly run: docs/analytics.md, "Scores beside the profile").
 */
export function withScores(profile: Item, scores: Item | undefined): StoredCustomer {
  const customer = fromItem(profile);
  return scores?.scores === undefined ? customer : { ...customer, scores: scores.scores };
}

/** The scores items of these customers, by customer id (BatchGetItem, 100 keys a call). */
export async function loadScoresItems(
  ids: readonly string[],
  consistent = false,
): Promise<Map<string, Item>> {
  const TableName = tableName();
  const found = new Map<string, Item>();
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += 100) {
    let pending: Item[] | undefined = unique.slice(start, start + 100).map((id) => keys.scores(id));
    while (pending && pending.length > 0) {
      const result = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: consistent } } }),
      );
      for (const item of result.Responses?.[TableName] ?? []) found.set(String(item.customerId), item);
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
    }
  }
  return found;
}

/** Profile items (as stored) with their scores attached: one BatchGetItem per 100 profiles. */
export async function attachScores(profiles: readonly Item[]): Promise<StoredCustomer[]> {
  const scores = await loadScoresItems(profiles.map((profile) => String(profile.id)));
  return profiles.map((profile) => withScores(profile, scores.get(String(profile.id))));
}

/** The stored customer, or NotFound / Gone (erased, or merged into another profile). */
export async function loadCustomer(customerId: string, consistent = false): Promise<StoredCustomer> {
  const TableName = tableName();
  // One Query reads the profile and its scores item (sort keys `PROFILE` and `PROFILE#SCORES`).
  const result = await documentClient.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :profile)',
      ExpressionAttributeValues: { ':pk': customerPartition(customerId), ':profile': PROFILE },
      ConsistentRead: consistent,
    }),
  );
  const items = result.Items ?? [];
  const profile = items.find((item) => item.sk === PROFILE);
  if (profile)
    return withScores(
      profile,
      items.find((item) => item.sk === keys.scores(customerId).sk),
    );
  const markers = await documentClient.send(
    new BatchGetCommand({
      RequestItems: { [TableName]: { Keys: [keys.erased(customerId), keys.mergedInto(customerId)] } },
    }),
  );
  for (const marker of markers.Responses?.[TableName] ?? []) {
    if (marker.sk === 'MERGED') {
      throw new GoneError(`customer ${customerId} was merged into ${marker.into}`, String(marker.into));
    }
    if (marker.sk === 'ERASED') throw new GoneError(`customer ${customerId} was erased`);
  }
  throw new NotFoundError('customer', customerId);
}

/**
 * Replace the profile fields (never the aggregates or scores other features keep on the item)
 * if the stored version is still `expectedVersion`; uniqueness claims and tags follow in the same
 * transaction.
 */
export async function updateCustomerProfile(
  previous: CustomerRecord,
  next: ProfileFields,
  expectedVersion: number,
  now: string,
): Promise<CustomerRecord> {
  const TableName = tableName();
  const id = previous.id;
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':expected': expectedVersion, ':one': 1, ':now': now };
  const sets = ['#updatedAt = :now'];
  const removes: string[] = [];
  for (const [index, field] of PROFILE_FIELDS.entries()) {
    if (next[field] === undefined) {
      if (previous[field] === undefined) continue;
      removes.push(`#f${index}`);
    } else {
      values[`:f${index}`] = next[field];
      sets.push(`#f${index} = :f${index}`);
    }
    names[`#f${index}`] = field;
  }
  const birthday = birthdayKeys(next.birthDate, id);
  if (birthday.birthdayPk) {
    names['#bpk'] = 'birthdayPk';
    names['#bsk'] = 'birthdaySk';
    values[':bpk'] = birthday.birthdayPk;
    values[':bsk'] = birthday.birthdaySk;
    sets.push('#bpk = :bpk', '#bsk = :bsk');
  } else if (previous.birthDate) {
    names['#bpk'] = 'birthdayPk';
    names['#bsk'] = 'birthdaySk';
    removes.push('#bpk', '#bsk');
  }
  const update = `SET ${sets.join(', ')} ADD #version :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;

  const released = claimsOf(previous).filter((claim) => claim.value !== next[claim.field]);
  const claimed = claimsOf(next).filter((claim) => claim.value !== previous[claim.field]);
  const oldTags = new Set(previous.tags ?? []);
  const newTags = new Set(next.tags ?? []);

  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName,
              Key: keys.customer(id),
              UpdateExpression: update,
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          ...claimed.map((claim) => ({
            Put: {
              TableName,
              Item: { ...uniqueKey(claim.field, claim.value), type: 'unique', customerId: id },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
          ...released.map((claim) => ({
            Delete: {
              TableName,
              Key: uniqueKey(claim.field, claim.value),
              ConditionExpression: 'customerId = :id',
              ExpressionAttributeValues: { ':id': id },
            },
          })),
          ...[...newTags]
            .filter((tag) => !oldTags.has(tag))
            .map((tag) => ({
              Put: { TableName, Item: { ...keys.tag(tag, id), type: 'tag', customerId: id } },
            })),
          ...[...oldTags]
            .filter((tag) => !newTags.has(tag))
            .map((tag) => ({ Delete: { TableName, Key: keys.tag(tag, id) } })),
        ],
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const codes = cancellationCodes(error);
    if (codes[0] === 'ConditionalCheckFailed') {
      throw new PreconditionFailedError(
        `the customer changed since version ${expectedVersion}; read it again`,
      );
    }
    throw (
      (await duplicateFrom(error, claimed, 1)) ??
      new ConflictError('the customer changed concurrently; retry')
    );
  }
  return { ...next, id, createdAt: previous.createdAt, version: expectedVersion + 1, updatedAt: now };
}

/** The customer id holding a unique email / phone / external id. */
export async function findCustomerIdBy(field: UniqueField, value: string): Promise<string | undefined> {
  return ownerOf(field, value);
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Customers newest first, one page at a time (the `byList` index's shards, never a Scan). */
export async function listCustomers(limit: number, after?: string): Promise<Page<StoredCustomer>> {
  const page = await queryShards({
    index: 'byList',
    partitionKey: 'listPk',
    sortKey: 'listSk',
    partitions: indexKeys.customerListPks(),
    limit,
    after,
    descending: true,
  });
  return { items: await attachScores(page.items), nextCursor: page.nextCursor };
}

/** Profiles by id with their scores, in the order asked; missing ones are left out. */
export async function loadCustomers(ids: string[]): Promise<StoredCustomer[]> {
  if (ids.length === 0) return [];
  const TableName = tableName();
  const profiles = new Map<string, Item>();
  const scores = new Map<string, Item>();
  const unique = [...new Set(ids)];
  // Each customer's profile and scores item: 50 customers (100 keys) a call.
  for (let start = 0; start < unique.length; start += 50) {
    let pending: Item[] | undefined = unique
      .slice(start, start + 50)
      .flatMap((id) => [keys.customer(id), keys.scores(id)]);
    while (pending && pending.length > 0) {
      const result = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending } } }),
      );
      for (const item of result.Responses?.[TableName] ?? []) {
        if (item.sk === PROFILE) profiles.set(String(item.id), item);
        else scores.set(String(item.customerId), item);
      }
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
    }
  }
  return ids.flatMap((id) => {
    const profile = profiles.get(id);
    return profile ? [withScores(profile, scores.get(id))] : [];
  });
}

/** Members of a tag, one page at a time. */
export async function listCustomersByTag(
  tag: string,
  limit: number,
  after?: string,
): Promise<Page<StoredCustomer>> {
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.tagPartition(tag) },
      Limit: limit,
      ExclusiveStartKey: cursor.decode(after),
    }),
  );
  const ids = (page.Items ?? []).map((item) => String(item.customerId));
  return { items: await loadCustomers(ids), nextCursor: cursor.encode(page.LastEvaluatedKey) };
}

/**
 * Erase a customer: the profile, its uniqueness claims and tags go in one transaction that also
 * leaves an `ERASED` marker (no personal data), so that writers racing with the erasure (the
 * nightly job, a late order) find no profile to update. Then every item of the customer's
 * partition is deleted. Idempotent: a repeated call (after a crash midway) finishes the job.
 */
export async function eraseCustomer(customerId: string, now: string): Promise<'erased' | 'already-erased'> {
  const TableName = tableName();
  let outcome: 'erased' | 'already-erased' = 'erased';
  const profile = await documentClient.send(
    new GetCommand({ TableName, Key: keys.customer(customerId), ConsistentRead: true }),
  );
  if (profile.Item) {
    const record = fromItem(profile.Item);
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName,
              Key: keys.customer(customerId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Put: {
              TableName,
              Item: { ...keys.erased(customerId), type: 'erased', erasedAt: now },
            },
          },
          ...claimsOf(record).map((claim) => ({
            Delete: {
              TableName,
              Key: uniqueKey(claim.field, claim.value),
              ConditionExpression: 'attribute_not_exists(pk) OR customerId = :id',
              ExpressionAttributeValues: { ':id': customerId },
            },
          })),
          ...(record.tags ?? []).map((tag) => ({ Delete: { TableName, Key: keys.tag(tag, customerId) } })),
        ],
      }),
    );
  } else {
    // Either never existed, or erased before (maybe only halfway): the marker tells.
    const marker = await documentClient.send(new GetCommand({ TableName, Key: keys.erased(customerId) }));
    if (!marker.Item) throw new NotFoundError('customer', customerId);
    outcome = 'already-erased';
  }
  const rest = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': customerPartition(customerId) },
  });
  // Items elsewhere that the registry locates from the partition (order-id claims …) go first:
  // once the partition is gone nothing points at them any more.
  await deleteLocatedItems(customerId, rest);
  await batchWrite(
    rest
      .filter((item) => item.sk !== 'ERASED')
      .map((item) => deleteRequest({ pk: String(item.pk), sk: String(item.sk) })),
  );
  return outcome;
}
