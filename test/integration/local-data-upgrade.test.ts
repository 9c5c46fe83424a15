// `.local/` data kept from before the customer list was sharded: `npm start` moves each profile
// still in the one `CUSTOMERS` partition of `byList` to its shard, so it shows in the list again
// and the nightly Scan still reads it. Run against a table of its own in the suite's DynamoDB Local.
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, shardUnshardedCustomerList } from '../../infra/local/local-stack.js';
import { indexKeys } from '../../shared/store/keys.js';
import { useStackEnvironment } from './support.js';

describe('upgrading local data to the sharded customer list', () => {
  const table = `legacy-list-${process.pid}`;
  let client: DynamoDBClient;

  beforeAll(async () => {
    useStackEnvironment();
    client = new DynamoDBClient({});
    await ensureTable(client, table);
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
  });

  it('moves unsharded profiles to their shard, leaves the complaint queues, and can run again', async () => {
    const profiles = [
      'cus_01JD3Z8X9Q4W5E6R7T8Y9U0I1A',
      'cus_01JD3Z8X9Q4W5E6R7T8Y9U0I1B',
      'cus_01JD3Z8X9Q4W5E6R7T8Y9U0I1C',
    ];
    const createdAt = '2026-01-02T03:04:05.000Z';
    for (const id of profiles) {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            pk: { S: `CUSTOMER#${id}` },
            sk: { S: 'PROFILE' },
            id: { S: id },
            createdAt: { S: createdAt },
            listPk: { S: 'CUSTOMERS' },
            listSk: { S: `${createdAt}#${id}` },
          },
        }),
      );
    }
    const complaint = { pk: { S: 'CUSTOMER#cus_x' }, sk: { S: 'TL#2026-01-02T03:04:05.000Z#complaint#c1' } };
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...complaint, listPk: { S: 'COMPLAINTS#open' }, listSk: { S: `${createdAt}#c1` } },
      }),
    );

    await shardUnshardedCustomerList(client, table);
    await shardUnshardedCustomerList(client, table);

    for (const id of profiles) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `CUSTOMER#${id}` }, sk: { S: 'PROFILE' } } }),
      );
      expect(Item?.listPk?.S).toBe(indexKeys.customerList(createdAt, id).listPk);
      expect(Item?.listSk?.S).toBe(`${createdAt}#${id}`);
    }
    const { Item: queued } = await client.send(new GetItemCommand({ TableName: table, Key: complaint }));
    expect(queued?.listPk?.S).toBe('COMPLAINTS#open');
  });
});
