// `.local/` data kept from before the customer lists were sharded: `npm start` moves each profile
// still in the one `CUSTOMERS` partition of `byList`, and each scores item's segment, stage and
// tier entries, to their shards, so they show in the lists again and the nightly Scan reads them. Run against a table of its own in the suite's DynamoDB Local.
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, shardUnshardedLists } from '../../infra/local/local-stack.js';
import { indexKeys, scoreIndexKeys } from '../../shared/store/keys.js';
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

  it('moves unsharded profiles and scores entries to their shards, leaves the rest, and can run again', async () => {
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

    const scores = (id: string) => ({ pk: { S: `CUSTOMER#${id}` }, sk: { S: 'PROFILE#SCORES' } });
    const [first, second] = profiles as [string, string];
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          ...scores(first),
          segmentPk: { S: 'SEGMENT#champions' },
          segmentSk: { S: first },
          lifecyclePk: { S: 'LIFECYCLE#active' },
          lifecycleSk: { S: first },
          tierPk: { S: 'TIER#high' },
          tierSk: { S: first },
        },
      }),
    );
    // Written by a nightly run since: already in its shards.
    const current = {
      ...scoreIndexKeys.segment('lost', second),
      ...scoreIndexKeys.lifecycle('churned', second),
      ...scoreIndexKeys.tier('low', second),
    };
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          ...scores(second),
          ...Object.fromEntries(Object.entries(current).map(([k, v]) => [k, { S: v }])),
        },
      }),
    );

    await shardUnshardedLists(client, table);
    await shardUnshardedLists(client, table);

    for (const id of profiles) {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: { pk: { S: `CUSTOMER#${id}` }, sk: { S: 'PROFILE' } } }),
      );
      expect(Item?.listPk?.S).toBe(indexKeys.customerList(createdAt, id).listPk);
      expect(Item?.listSk?.S).toBe(`${createdAt}#${id}`);
    }
    const read = async (key: Record<string, { S: string }>) =>
      (await client.send(new GetItemCommand({ TableName: table, Key: key }))).Item;
    const moved = await read(scores(first));
    expect(moved?.segmentPk?.S).toBe(scoreIndexKeys.segment('champions', first).segmentPk);
    expect(moved?.lifecyclePk?.S).toBe(scoreIndexKeys.lifecycle('active', first).lifecyclePk);
    expect(moved?.tierPk?.S).toBe(scoreIndexKeys.tier('high', first).tierPk);
    const kept = await read(scores(second));
    expect([kept?.segmentPk?.S, kept?.lifecyclePk?.S, kept?.tierPk?.S]).toEqual([
      current.segmentPk,
      current.lifecyclePk,
      current.tierPk,
    ]);
    const { Item: queued } = await client.send(new GetItemCommand({ TableName: table, Key: complaint }));
    expect(queued?.listPk?.S).toBe('COMPLAINTS#open');
  });
});
