// The co-purchase table ("bought X, also bought Y"): one item per SKU holding its most
// co-purchased SKUs, written by the nightly job; and product names seen in order items, so a
// suggestion can show a name rather than a SKU.
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../clients/dynamodb.js';
import type { CoPurchaseTable } from '../domain/recommendations.js';
import { batchWrite, putRequest } from './dynamo-helpers.js';
import { type Key, messageKeys } from './keys.js';

type Item = Record<string, unknown>;

async function batchGet(keysToRead: Key[]): Promise<Item[]> {
  const TableName = tableName();
  const found: Item[] = [];
  const distinct = [...new Map(keysToRead.map((key) => [`${key.pk}|${key.sk}`, key])).values()];
  for (let start = 0; start < distinct.length; start += 100) {
    let pending: Item[] | undefined = distinct.slice(start, start + 100);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      const result = await documentClient.send(
        new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending } } }),
      );
      found.push(...((result.Responses?.[TableName] ?? []) as Item[]));
      pending = result.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined;
      if (pending?.length)
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
    }
  }
  return found;
}

/**
 * Store the table computed by a nightly run (each SKU's entry replaced whole). SKUs that dropped
 * out of the table keep their previous entry until a later run lists them again: stale but never
 * wrong about who bought what.
 */
export async function saveCoPurchaseTable(
  table: CoPurchaseTable,
  runId: string,
  at: string,
): Promise<number> {
  const items = Object.entries(table).map(([sku, also]) =>
    putRequest({ ...messageKeys.coPurchases(sku), type: 'co-purchases', sku, also, runId, at }),
  );
  await batchWrite(items);
  return items.length;
}

/** The table's entries for some SKUs (the ones a customer bought). */
export async function loadCoPurchases(skus: readonly string[]): Promise<CoPurchaseTable> {
  const items = await batchGet(skus.map((sku) => messageKeys.coPurchases(sku)));
  return Object.fromEntries(items.map((item) => [String(item.sku), item.also as CoPurchaseTable[string]]));
}

/**
 * Remember product names from order items (the latest name seen wins): one BatchWrite of the
 * distinct SKUs. Best effort, for the order path: one attempt per 25 SKUs (with the SDK's own
 * retries), aborted after `budgetMs` rather than left running to land late over a newer name, and
 * items DynamoDB leaves unprocessed are not sent again. A name not written comes again with the
 * next order of that SKU. Resolves to the number of names written; throws when the write fails.
 */
export async function rememberProductNames(
  items: ReadonlyArray<{ sku?: string; name?: string }>,
  budgetMs = 2000,
): Promise<number> {
  const names = new Map<string, string>();
  for (const item of items) if (item.sku && item.name) names.set(item.sku, item.name);
  const requests = [...names].map(([sku, name]) =>
    putRequest({ ...messageKeys.product(sku), type: 'product', sku, name }),
  );
  const TableName = tableName();
  const abortSignal = AbortSignal.timeout(budgetMs);
  let written = 0;
  for (let start = 0; start < requests.length; start += 25) {
    const chunk = requests.slice(start, start + 25);
    const result = await documentClient.send(
      new BatchWriteCommand({ RequestItems: { [TableName]: chunk } }),
      { abortSignal },
    );
    written += chunk.length - (result.UnprocessedItems?.[TableName]?.length ?? 0);
  }
  return written;
}

export async function productNames(skus: readonly string[]): Promise<Map<string, string>> {
  const items = await batchGet(skus.map((sku) => messageKeys.product(sku)));
  return new Map(items.map((item) => [String(item.sku), String(item.name)]));
}
