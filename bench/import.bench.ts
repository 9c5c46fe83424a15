// The order import (`npm run import -- orders`): 70,000 synthetic order rows shaped like CDNOW
// (23,570 customers, 18 months, few heavy buyers) go through the real import code (CSV parsing,
// `importOrders`: POST /orders/batch, 100 rows a call, 8 calls in flight, customers created on
// first sight) into the local stack. Its floor: bare BatchWriteItem of the very items the import
// left in the table (every item its requests put or updated, read back after the import), 25 per
// call, as many calls in flight. The profiles it built also give the item size that the cost
// model (docs/performance.md) starts from.
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { parseCsvTable } from '../shared/import/csv.js';
import { importOrders } from '../shared/import/http-importer.js';
import { keys } from '../shared/store/keys.js';
import { type RecordedCall, recordCalls } from './support/dynamo-replay.js';
import { itemSize } from './support/item-size.js';
import { quantile, timed } from './support/stats.js';
import type { Benchmark } from './types.js';

const ORDERS = 70_000;
const CUSTOMERS = 23_570;
const CONCURRENCY = 8;
const ROUTE = 'POST /orders/batch';
const CATEGORIES = ['pop', 'rock', 'jazz', 'classical', 'soundtrack', 'country'];

/** A deterministic generator, so every run imports the same shape of data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The CSV file a business would export: every customer's first order, then repeat orders. */
export function syntheticOrdersCsv(orders: number, customers: number, unique: string): string {
  const next = random(8);
  const start = Date.UTC(1997, 0, 1);
  const lines = ['customer_ref,order_id,ordered_at,amount,currency,quantity,sku,category'];
  for (let n = 0; n < orders; n++) {
    // Every customer buys once; repeat orders go mostly to a few heavy buyers.
    const customer = n < customers ? n : Math.floor(customers * next() ** 2);
    const day = new Date(start + Math.floor(next() * 546) * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    const amount = (4 + next() * 90).toFixed(2);
    const quantity = 1 + Math.floor(next() * 4);
    const sku = `cd-${Math.floor(next() * 3000)}`;
    const category = CATEGORIES[Math.floor(next() * CATEGORIES.length)];
    lines.push(`bench-${unique}-${customer},order-${unique}-${n},${day},${amount},USD,${quantity},${sku},${category}`);
  }
  return `${lines.join('\n')}\n`;
}

type Key = Record<string, AttributeValue>;
const keyId = (key: Key) => `${key.pk?.S}\u0000${key.sk?.S}`;

/** Every key the recorded calls wrote (put or updated) and did not delete afterwards. */
function writtenKeys(calls: readonly RecordedCall[]): Map<string, Key> {
  const written = new Map<string, Key>();
  const put = (item: Key | undefined) => {
    if (item?.pk && item.sk) written.set(keyId(item), { pk: item.pk, sk: item.sk });
  };
  const remove = (key: Key | undefined) => {
    if (key) written.delete(keyId(key));
  };
  for (const call of calls) {
    const input = JSON.parse(call.input) as {
      Item?: Key;
      Key?: Key;
      TransactItems?: Array<{ Put?: { Item: Key }; Update?: { Key: Key }; Delete?: { Key: Key } }>;
      RequestItems?: Record<string, Array<{ PutRequest?: { Item: Key }; DeleteRequest?: { Key: Key } }>>;
    };
    if (call.command === 'PutItemCommand') put(input.Item);
    if (call.command === 'UpdateItemCommand') put(input.Key);
    if (call.command === 'DeleteItemCommand') remove(input.Key);
    for (const item of input.TransactItems ?? []) {
      put(item.Put?.Item ?? item.Update?.Key);
      remove(item.Delete?.Key);
    }
    if (call.command === 'BatchWriteItemCommand') {
      for (const requests of Object.values(input.RequestItems ?? {})) {
        for (const request of requests) {
          put(request.PutRequest?.Item);
          remove(request.DeleteRequest?.Key);
        }
      }
    }
  }
  return written;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

async function readItems(client: DynamoDBClient, table: string, keyList: Key[]): Promise<Key[]> {
  const items: Key[] = [];
  await inParallel(chunks(keyList, 100), CONCURRENCY, async (batch) => {
    let pending: Key[] = batch;
    while (pending.length > 0) {
      const result = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending } } }));
      items.push(...(result.Responses?.[table] ?? []));
      pending = (result.UnprocessedKeys?.[table]?.Keys as Key[] | undefined) ?? [];
    }
  });
  return items;
}

async function writeItems(client: DynamoDBClient, table: string, items: Key[]): Promise<void> {
  await inParallel(chunks(items, 25), CONCURRENCY, async (batch) => {
    let pending: WriteRequest[] = batch.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** Math.min(attempt, 6)));
      const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
      pending = result.UnprocessedItems?.[table] ?? [];
    }
  });
}

const benchmark: Benchmark = {
  title: `Order import (${ORDERS.toLocaleString('en')} rows) against bare batch writes`,
  async run(context) {
    const stack = await context.stack();
    const token = await stack.auth.issue('ingest', { subject: 'bench-import' });
    const unique = `${process.pid}x${Date.now().toString(36)}`;
    const table = parseCsvTable(syntheticOrdersCsv(ORDERS, CUSTOMERS, unique));

    context.log(`importing ${ORDERS.toLocaleString('en')} orders of ${CUSTOMERS.toLocaleString('en')} customers…`);
    const { calls, result: imported } = await recordCalls(stack, ROUTE, () =>
      timed(() =>
        importOrders(table.rows, { api: stack.urls.api, token, concurrency: CONCURRENCY, createMissing: true }),
      ),
    );
    const report = imported.value;
    if (report.created !== ORDERS) {
      const sample = report.errors.slice(0, 3).map((error) => `row ${error.row} ${error.field}: ${error.reason}`);
      throw new Error(`the import recorded ${report.created} of ${ORDERS} orders (${report.failed} refused): ${sample.join('; ')}`);
    }

    const client = new DynamoDBClient({ maxAttempts: 8 });
    const tableName = stack.env.TABLE_NAME as string;
    const items = await readItems(client, tableName, [...writtenKeys(calls).values()]);
    context.log(`floor: BatchWriteItem of the same ${items.length.toLocaleString('en')} items…`);
    const floor = await timed(() => writeItems(client, tableName, items));
    client.destroy();

    const sizes = items.map(itemSize);
    const megabytes = sizes.reduce((sum, size) => sum + size, 0) / 1e6;
    const profileSk = keys.customer('any').sk;
    const profiles = items.filter((item) => item.sk?.S === profileSk).map(itemSize);
    context.note(
      `The import wrote ${items.length.toLocaleString('en')} items (${megabytes.toFixed(1)} MB) in ` +
        `${calls.length.toLocaleString('en')} DynamoDB calls; the floor writes the same items (read back after the import).`,
    );
    return [
      {
        name: `import of ${ORDERS.toLocaleString('en')} orders (${report.customersCreated.toLocaleString('en')} new customers)`,
        value: imported.ms / 1000,
        unit: 's',
        reference: { name: `bare BatchWriteItem of the same ${items.length.toLocaleString('en')} items`, value: floor.ms / 1000, unit: 's' },
        notes: `${Math.round(ORDERS / (imported.ms / 1000))} orders/s; floor ${Math.round(items.length / (floor.ms / 1000))} items/s; ${CONCURRENCY} requests in flight on both sides`,
      },
      {
        name: 'profile item size after the import (median)',
        value: quantile(profiles, 0.5),
        unit: 'bytes',
        notes: `p90 ${quantile(profiles, 0.9)} B, max ${quantile(profiles, 1)} B over ${profiles.length.toLocaleString('en')} profiles with ${(ORDERS / CUSTOMERS).toFixed(1)} orders each on average`,
      },
    ];
  },
};

export default benchmark;
