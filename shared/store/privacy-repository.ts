// Reads and deletes a customer's items wherever the registry (shared/privacy/registry.ts) says they
// are: the customer's partition, and the items located from it (claims, tags, audit entries).
import { BatchGetCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { table } from '../app.js';
import { documentClient, tableName } from '../clients/dynamodb.js';
import { type ItemTypeSpec, type Location, locateCustomerItems } from '../privacy/registry.js';
import { isConditionFailure, queryAll } from './dynamo-helpers.js';
import { customerPartition, type Key } from './keys.js';

type Item = Record<string, unknown>;

/** Every item of the customer's own partition (profile, timeline, ledgers, markers). */
export function customerPartitionItems(customerId: string): Promise<Item[]> {
  return queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': customerPartition(customerId) },
  });
}

const isKey = (location: Location): location is Key => 'pk' in location;

async function getItems(itemKeys: Key[]): Promise<Item[]> {
  const TableName = tableName();
  const found: Item[] = [];
  for (let start = 0; start < itemKeys.length; start += 100) {
    let pending: Item[] | undefined = itemKeys.slice(start, start + 100);
    while (pending && pending.length > 0) {
      const result = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending } } }),
      );
      found.push(...((result.Responses?.[TableName] ?? []) as Item[]));
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
    }
  }
  return found;
}

/** An item located from a customer belongs to them unless it names another customer. */
const belongsTo = (customerId: string) => (item: Item) =>
  item.customerId === undefined || item.customerId === customerId;

/** The customer's items outside their partition, of the registry types `which` selects. */
export async function readLocatedItems(
  customerId: string,
  profile: Item | undefined,
  partition: readonly Item[],
  which: (spec: ItemTypeSpec) => boolean,
): Promise<Item[]> {
  const located = locateCustomerItems({ customerId, profile, partition }, which).map(
    ({ location }) => location,
  );
  const unique = [...new Map(located.filter(isKey).map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  const partitions = [
    ...new Set(located.flatMap((location) => (isKey(location) ? [] : [location.partition]))),
  ];
  const items = [
    ...(await getItems(unique)),
    ...(
      await Promise.all(
        partitions.map((pk) =>
          queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }),
        ),
      )
    ).flat(),
  ];
  return items.filter(belongsTo(customerId));
}

/**
 * Deletes the customer's items outside their partition that erasure removes. Each delete is
 * conditional on the item still naming this customer (a claim taken over by someone else since
 * stays). Idempotent: located again from what is left on a repeated erasure.
 */
export async function deleteLocatedItems(customerId: string, partition: readonly Item[]): Promise<void> {
  const items = await readLocatedItems(
    customerId,
    undefined,
    partition,
    (spec) => spec.onErasure === 'delete',
  );
  const TableName = tableName();
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      try {
        await documentClient.send(
          new DeleteCommand({
            TableName,
            Key: { pk: item.pk, sk: item.sk },
            ConditionExpression:
              'attribute_not_exists(pk) OR attribute_not_exists(customerId) OR customerId = :id',
            ExpressionAttributeValues: { ':id': customerId },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Key and index attributes: storage mechanics, never shown (not even in an export). */
export const STORAGE_ATTRIBUTES: ReadonlySet<string> = new Set([
  table.partitionKey,
  table.sortKey,
  ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
]);

export function withoutStorageAttributes(item: Item): Item {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !STORAGE_ATTRIBUTES.has(key)));
}
