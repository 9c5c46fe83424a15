// Timeline items in the customer's partition (`TL#<time>#<kind>#<id>`): events, survey answers
// and complaints are written here, each in one transaction with the profile counters it changes
// and, when the client named the request, the claim that makes a retry a no-op.
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import { ConflictError, ValidationError } from '../domain/errors.js';
import { loadCustomer } from './customer-repository.js';
import { cancellationCodes, cursor, isConditionFailure } from './dynamo-helpers.js';
import { customerPartition, type Key, keys, TIMELINE_PREFIX } from './keys.js';

type Item = Record<string, unknown>;

export interface ProfileUpdate {
  /** An UpdateExpression on the profile, e.g. `ADD eventCounts.#kind :one`. */
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

export interface TimelineWrite {
  customerId: string;
  kind: string;
  id: string;
  /** UTC ISO time with milliseconds (the sort key orders by it as text). */
  at: string;
  /** Public fields plus any index attributes; `kind`, `at`, `id`, `customerId` are added. */
  fields: Item;
  /** DynamoDB TTL (epoch seconds) of the item, for raw behaviour events. */
  expiresAt?: number;
  /** The client's id for this request, claimed once; `fingerprint` tells a replay from a reuse. */
  claim?: { scope: 'event' | 'feedback'; clientId: string; fingerprint: string; expiresAt?: number };
  /** Applied to the profile in the same transaction, only if the profile exists. */
  profile: ProfileUpdate;
}

/** What a claim remembers of the item it created. */
export interface Claim {
  entrySk: string;
  kind: string;
  at: string;
  entryId: string;
  fingerprint: string;
}

export type AppendOutcome = { created: true; key: Key } | { created: false; claim: Claim };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A transaction, retried when it lost a race with another transaction on the same items
 * (`TransactionConflict`: e.g. two events of one customer in flight at once). Condition failures
 * are not retried: they are answers.
 */
export async function transactWrite(input: TransactWriteCommandInput): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await documentClient.send(new TransactWriteCommand(input));
      return;
    } catch (error) {
      const name = (error as { name?: string }).name;
      const codes = cancellationCodes(error);
      const conflict =
        name === 'TransactionConflictException' ||
        (codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed'));
      if (!conflict || attempt >= 8) throw error;
      await sleep(Math.min(500, 10 * 2 ** attempt) * (0.5 + Math.random()));
    }
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The item's Put and, with a client id, the claim's Put: both only if new. */
function itemPuts(write: Omit<TimelineWrite, 'profile'>): { key: Key; puts: TransactItem[] } {
  const TableName = tableName();
  const key = keys.timeline(write.customerId, write.at, write.kind, write.id);
  const item: Item = {
    ...write.fields,
    ...key,
    kind: write.kind,
    at: write.at,
    id: write.id,
    customerId: write.customerId,
    ...(write.expiresAt === undefined ? {} : { expiresAt: write.expiresAt }),
  };
  const puts: TransactItem[] = [
    { Put: { TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
  if (write.claim) {
    puts.push({
      Put: {
        TableName,
        Item: {
          ...keys.clientClaim(write.customerId, write.claim.scope, write.claim.clientId),
          type: 'claim',
          entrySk: key.sk,
          kind: write.kind,
          at: write.at,
          entryId: write.id,
          fingerprint: write.claim.fingerprint,
          ...(write.claim.expiresAt === undefined ? {} : { expiresAt: write.claim.expiresAt }),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  return { key, puts };
}

function profileUpdate(customerId: string, profile: ProfileUpdate): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: keys.customer(customerId),
      UpdateExpression: profile.expression,
      ConditionExpression: 'attribute_exists(pk)',
      ...(profile.names ? { ExpressionAttributeNames: profile.names } : {}),
      ...(profile.values ? { ExpressionAttributeValues: profile.values } : {}),
    },
  };
}

/**
 * Write a timeline item and its profile update atomically. Unknown, erased or merged customers
 * raise NotFound / Gone (nothing is written); a claimed client id returns the claim instead.
 */
export async function appendTimelineItem(write: TimelineWrite): Promise<AppendOutcome> {
  const { key, puts } = itemPuts(write);
  try {
    await transactWrite({ TransactItems: [profileUpdate(write.customerId, write.profile), ...puts] });
    return { created: true, key };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const codes = cancellationCodes(error);
    if (codes[0] === 'ConditionalCheckFailed') {
      await loadCustomer(write.customerId); // throws NotFound, or Gone for an erased or merged customer
      throw new ConflictError('the customer changed concurrently; retry');
    }
    if (write.claim && codes[2] === 'ConditionalCheckFailed') {
      const claim = await getItem(
        keys.clientClaim(write.customerId, write.claim.scope, write.claim.clientId),
      );
      if (claim) return { created: false, claim: claim as unknown as Claim };
    }
    throw new ConflictError(`a ${write.kind} with id ${write.id} already exists`, 'id');
  }
}

/** Most items of one grouped write: a transaction holds 100 actions (the profile, an item and a claim each). */
export const MAX_GROUP = 49;

/**
 * Several new items of one customer and their combined profile update in a single transaction:
 * the fast path for a batch. All or nothing: `false` when any of them was already there or the
 * profile is missing (the caller then writes them one by one to tell which).
 */
export async function appendTimelineItems(
  customerId: string,
  writes: ReadonlyArray<Omit<TimelineWrite, 'profile'>>,
  profile: ProfileUpdate,
): Promise<boolean> {
  if (writes.length > MAX_GROUP) throw new Error(`at most ${MAX_GROUP} items in one grouped write`);
  try {
    await transactWrite({
      TransactItems: [profileUpdate(customerId, profile), ...writes.flatMap((write) => itemPuts(write).puts)],
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function getItem(key: Key): Promise<Item | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  return result.Item;
}

/** A claim's item (undefined once a raw event expired). */
export const getClaimedItem = (customerId: string, claim: Claim) =>
  getItem({ pk: customerPartition(customerId), sk: claim.entrySk });

export interface TimelinePage {
  items: Item[];
  nextCursor?: string;
}

/** Rounds of filtered reads per page: bounds the cost of a page when the filter matches little. */
const MAX_ROUNDS = 10;

/**
 * The customer's timeline newest first, `limit` items a page, optionally only some kinds. With a
 * filter DynamoDB counts `Limit` before filtering, so a page reads on until it is full (at most
 * MAX_ROUNDS reads); the cursor is always the key of the last item read, so every item appears on
 * exactly one page.
 */
export async function queryTimeline(
  customerId: string,
  limit: number,
  after: string | undefined,
  kinds?: readonly string[],
): Promise<TimelinePage> {
  const pk = customerPartition(customerId);
  let start = cursor.decode(after);
  if (start && (start.pk !== pk || typeof start.sk !== 'string' || !start.sk.startsWith(TIMELINE_PREFIX))) {
    throw new ValidationError([{ field: 'query.cursor', message: 'not a cursor of this timeline' }]);
  }
  const filter = kinds?.length
    ? {
        FilterExpression: `#kind IN (${kinds.map((_, index) => `:k${index}`).join(', ')})`,
        ExpressionAttributeNames: { '#kind': 'kind' },
      }
    : {};
  const kindValues = Object.fromEntries((kinds ?? []).map((kind, index) => [`:k${index}`, kind]));
  const items: Item[] = [];
  for (let round = 0; round < MAX_ROUNDS && items.length < limit; round++) {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': TIMELINE_PREFIX, ...kindValues },
        ...filter,
        ScanIndexForward: false,
        Limit: limit - items.length,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
    if (!start) break;
  }
  return { items, nextCursor: cursor.encode(start) };
}

/**
 * Keep the latest of a series on the profile (`lastNps` with `lastNpsAt`): set only if `at` is
 * later than what is there, so an answer arriving late does not overwrite a newer one. Idempotent.
 */
export async function setLatestOnProfile(
  customerId: string,
  attributes: { value: string; at: string },
  value: unknown,
  at: string,
): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.customer(customerId),
        UpdateExpression: 'SET #value = :value, #at = :at',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#at) OR #at < :at)',
        ExpressionAttributeNames: { '#value': attributes.value, '#at': attributes.at },
        ExpressionAttributeValues: { ':value': value, ':at': at },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
