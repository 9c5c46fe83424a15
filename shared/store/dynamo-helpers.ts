// Small building blocks over the document client, shared by every repository.
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../domain/errors.js';
import { documentClient, tableName } from '../clients/dynamodb.js';

type Item = Record<string, unknown>;
type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** Whether a conditional write or transaction failed on its condition. */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
}

/** Per-item cancellation codes of a failed transaction (`ConditionalCheckFailed`, `None`, …). */
export function cancellationCodes(error: unknown): string[] {
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes (puts and deletes) in batches of 25, retrying unprocessed items with backoff until all
 * are written: nothing is dropped silently.
 */
export async function batchWrite(requests: WriteRequest[], table = tableName()): Promise<void> {
  for (let start = 0; start < requests.length; start += 25) {
    let pending = requests.slice(start, start + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      const result = await documentClient.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (pending.length > 0) {
        if (attempt >= 10) throw new Error('batch write: unprocessed items after 10 attempts');
        await sleep(Math.min(1000, 25 * 2 ** attempt));
      }
    }
  }
}

/** Put `item` unless an item with its key exists; whether it was written. */
export async function putIfAbsent(item: Item): Promise<boolean> {
  try {
    await documentClient.send(
      new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return false;
  }
}

export const putRequest = (item: Item): WriteRequest => ({ PutRequest: { Item: item } });
export const deleteRequest = (key: { pk: string; sk: string }): WriteRequest => ({
  DeleteRequest: { Key: key },
});

/** Every item of a query, following LastEvaluatedKey. For bounded partitions only. */
export async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({ ...input, TableName: tableName(), ExclusiveStartKey }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    ExclusiveStartKey = page.LastEvaluatedKey as Item | undefined;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * One page of a list spread over several partitions of an index (`listShardKeys` in keys.ts):
 * every shard's first `limit` items after the cursor, merged in sort key order, the first `limit`
 * of those. The cursor is the sort key of the page's last item, so items added while a client
 * pages only ever appear ahead of it, never twice. Sort keys must be ASCII (ids, ISO times): then
 * code-unit order is DynamoDB's byte order.
 */
export async function queryShards(input: {
  index: string;
  partitionKey: string;
  sortKey: string;
  partitions: readonly string[];
  limit: number;
  after?: string | undefined;
  descending?: boolean;
}): Promise<{ items: Item[]; nextCursor?: string }> {
  const from = cursor.decode(input.after)?.[input.sortKey];
  if (input.after !== undefined && typeof from !== 'string') throw notACursor('query.cursor');
  const pages = await Promise.all(
    input.partitions.map((partition) =>
      documentClient.send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: input.index,
          KeyConditionExpression:
            from === undefined ? '#pk = :pk' : `#pk = :pk AND #sk ${input.descending ? '<' : '>'} :from`,
          ExpressionAttributeNames: {
            '#pk': input.partitionKey,
            ...(from === undefined ? {} : { '#sk': input.sortKey }),
          },
          ExpressionAttributeValues: { ':pk': partition, ...(from === undefined ? {} : { ':from': from }) },
          ScanIndexForward: !input.descending,
          Limit: input.limit,
        }),
      ),
    ),
  );
  const after = input.descending ? -1 : 1;
  const merged = pages
    .flatMap((page) => (page.Items ?? []) as Item[])
    .sort((a, b) => (String(a[input.sortKey]) < String(b[input.sortKey]) ? -after : after));
  const items = merged.slice(0, input.limit);
  const more = merged.length > input.limit || pages.some((page) => page.LastEvaluatedKey);
  const last = items.at(-1);
  return {
    items,
    ...(more && last ? { nextCursor: cursor.encode({ [input.sortKey]: last[input.sortKey] }) } : {}),
  };
}

const notACursor = (field: string) =>
  new ValidationError([{ field, message: 'not a cursor returned by this API' }]);

/** Opaque pagination cursors: the LastEvaluatedKey, base64url-encoded. */
export const cursor = {
  encode: (key: Item | undefined): string | undefined =>
    key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined,
  decode: (value: string | undefined, field = 'query.cursor'): Item | undefined => {
    if (!value) return undefined;
    try {
      const key = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
      if (key && typeof key === 'object' && !Array.isArray(key)) return key as Item;
    } catch {
      // fall through to the validation error
    }
    throw notACursor(field);
  },
};
