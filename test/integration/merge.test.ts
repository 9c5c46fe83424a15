// Merging a duplicate customer into a survivor, over real HTTP against DynamoDB Local: orders and
// events move, the aggregates are recomputed (the sum of spends is preserved), uniqueness claims
// follow, the old id redirects, and a repeated or interrupted merge completes without counting
// anything twice. Expected figures are worked out by hand.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../shared/clients/dynamodb.js';
import { loadCustomer } from '../../shared/store/customer-repository.js';
import { beginMerge, moveCustomerItems } from '../../shared/store/merge-repository.js';
import { api, busEvents, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

async function newCustomer(body: Record<string, unknown>): Promise<string> {
  const created = await api('POST', '/customers', { body });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function placeOrder(customerId: string, orderedAt: string, amount: number, category = 'tea') {
  const orderId = unique('m');
  const response = await api('POST', `/customers/${customerId}/orders`, {
    body: {
      orderId,
      orderedAt,
      amount,
      currency: 'USD',
      items: [{ sku: `SKU-${category}`, category, quantity: 1 }],
    },
  });
  expect(response.status).toBe(201);
  return orderId;
}

async function timelineKinds(customerId: string): Promise<string[]> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
      ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}`, ':tl': 'TL#' },
    }),
  );
  return (result.Items ?? []).map((item) => String(item.kind)).sort();
}

/** A survivor known by external id and a duplicate known by email, each with orders. */
async function pair() {
  const externalId = unique('surv');
  const email = `${unique('dup')}@example.com`;
  const survivor = await newCustomer({ externalId, name: { given: 'Mei' }, tags: ['vip'] });
  const duplicate = await newCustomer({
    email,
    name: { given: 'M.', family: 'Chen' },
    birthDate: '1990-06-01',
    tags: ['newsletter', 'vip'],
  });
  await placeOrder(survivor, '2024-01-10T10:00:00+08:00', 10.1, 'tea');
  await placeOrder(survivor, '2024-02-01T10:00:00+08:00', 5, 'cups');
  const refunded = await placeOrder(duplicate, '2024-01-10T20:00:00+08:00', 20.2, 'tea');
  await placeOrder(duplicate, '2023-12-24T09:00:00+08:00', 0.3, 'gift');
  const refund = await api('POST', `/customers/${duplicate}/orders/${refunded}/refund`, {
    body: { amount: 2.2 },
  });
  expect(refund.status).toBe(201);
  return { survivor, duplicate, externalId, email, refunded };
}

describe('merging a duplicate customer', () => {
  it('moves orders and events, recomputes the aggregates, takes over the email and redirects the old id', async () => {
    const { survivor, duplicate, email, refunded } = await pair();
    const review = { eventId: unique('ev'), kind: 'review', sku: 'TEA-1', rating: 5, text: 'Great' };
    expect(
      (await api('POST', `/customers/${duplicate}/events`, { body: review, role: 'ingest' })).status,
    ).toBe(201);
    expect(
      (
        await api('POST', `/customers/${survivor}/events`, {
          body: { ...review, eventId: unique('ev') },
          role: 'ingest',
        })
      ).status,
    ).toBe(201);
    const spendOf = async (id: string) => Number((await loadCustomer(id, true)).totalSpend);
    const before = (await spendOf(survivor)) + (await spendOf(duplicate));

    const merged = await api('POST', `/customers/${survivor}/merge`, { body: { duplicateId: duplicate } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ mergedId: duplicate, movedItems: 3 });
    expect(merged.body.customer).toMatchObject({
      id: survivor,
      email,
      name: { given: 'Mei' }, // the survivor's own name wins, whole
      birthDate: '1990-06-01', // taken from the duplicate: the survivor had none
      tags: ['vip', 'newsletter'],
      version: 2,
    });

    const stored = await loadCustomer(survivor, true);
    // 10.1 + 5 + (20.2 − 2.2) + 0.3 = 33.4, the same as the two profiles' totals before.
    expect(stored.totalSpend).toBe(33.4);
    expect(stored.totalSpend).toBe(before);
    expect(stored.refundTotal).toBe(2.2);
    expect(stored.orderCount).toBe(4);
    expect(stored.dailySpend).toEqual({ '2024-01-10': 28.1, '2024-02-01': 5, '2023-12-24': 0.3 });
    expect(stored.dailyOrders).toEqual({ '2024-01-10': 2, '2024-02-01': 1, '2023-12-24': 1 });
    expect(stored.categoryCounts).toEqual({ tea: 2, cups: 1, gift: 1 });
    expect(stored.firstOrderAt).toBe('2023-12-24T01:00:00.000Z');
    expect(stored.lastOrderAt).toBe('2024-02-01T02:00:00.000Z');
    expect(stored.eventCounts).toMatchObject({ review: 2 });
    expect(await timelineKinds(survivor)).toEqual(['order', 'order', 'order', 'order', 'review', 'review']);
    expect(await timelineKinds(duplicate)).toEqual([]);

    const old = await api('GET', `/customers/${duplicate}`);
    expect(old.status).toBe(301);
    expect(old.body.redirectTo).toBe(survivor);
    const byEmail = await api('GET', `/customers?email=${encodeURIComponent(email)}`);
    expect(byEmail.body.items.map((customer: { id: string }) => customer.id)).toEqual([survivor]);
    const byTag = await api('GET', '/customers?tag=newsletter&limit=100');
    expect(byTag.body.items.map((customer: { id: string }) => customer.id)).toContain(survivor);
    expect(byTag.body.items.map((customer: { id: string }) => customer.id)).not.toContain(duplicate);

    // The moved order is the survivor's now: refunds reach it there, and a late order for the
    // old id is redirected instead of recorded.
    const refundMoved = await api('POST', `/customers/${survivor}/orders/${refunded}/refund`, {
      body: { amount: 1 },
    });
    expect(refundMoved.status).toBe(201);
    expect(refundMoved.body.order.customerId).toBe(survivor);
    expect((await loadCustomer(survivor, true)).totalSpend).toBe(32.4);
    const late = await api('POST', `/customers/${duplicate}/orders`, {
      body: { orderId: unique('late'), orderedAt: '2024-03-01', amount: 1, currency: 'USD' },
    });
    expect(late.status).toBe(301);
    expect(late.body.redirectTo).toBe(survivor);

    const { events } = await busEvents();
    expect(events).toContainEqual(
      expect.objectContaining({
        'detail-type': 'customer.merged',
        detail: expect.objectContaining({ survivorId: survivor, duplicateId: duplicate }),
      }),
    );
  });

  it('answers a repeated merge the same way and counts nothing twice', async () => {
    const { survivor, duplicate } = await pair();
    const first = await api('POST', `/customers/${survivor}/merge`, { body: { duplicateId: duplicate } });
    const second = await api('POST', `/customers/${survivor}/merge`, { body: { duplicateId: duplicate } });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.customer).toEqual(first.body.customer);
    expect(second.body.movedItems).toBe(0);
    const stored = await loadCustomer(survivor, true);
    expect(stored.orderCount).toBe(4);
    expect(stored.totalSpend).toBe(33.4);
  });

  it('completes a merge that stopped halfway (a crash after some items moved)', async () => {
    const { survivor, duplicate } = await pair();
    // A crash cannot be provoked over HTTP: run the first two steps directly, as a merge that
    // died before its commit would have left them.
    expect(await beginMerge(survivor, duplicate)).toBe('started');
    await moveCustomerItems(duplicate, survivor);
    // Meanwhile the half-merged duplicate takes no new orders.
    const blocked = await api('POST', `/customers/${duplicate}/orders`, {
      body: { orderId: unique('blk'), orderedAt: '2024-03-01', amount: 1, currency: 'USD' },
    });
    expect(blocked.status).toBe(409);

    const resumed = await api('POST', `/customers/${survivor}/merge`, { body: { duplicateId: duplicate } });
    expect(resumed.status).toBe(200);
    const stored = await loadCustomer(survivor, true);
    expect(stored.orderCount).toBe(4);
    expect(stored.totalSpend).toBe(33.4);
    expect((await api('GET', `/customers/${duplicate}`)).status).toBe(301);
  });

  it('refuses to merge a customer into itself, an unknown one, or for a role other than admin', async () => {
    const survivor = await newCustomer({ externalId: unique('solo') });
    const self = await api('POST', `/customers/${survivor}/merge`, { body: { duplicateId: survivor } });
    expect(self.status).toBe(400);
    expect(self.body.errors[0].field).toBe('duplicateId');
    const unknown = await api('POST', `/customers/${survivor}/merge`, {
      body: { duplicateId: 'cus_01J0000000000000000000UNKN' },
    });
    expect(unknown.status).toBe(404);
    const badBody = await api('POST', `/customers/${survivor}/merge`, {
      body: { duplicateId: 'x', keep: 'both' },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'duplicateId',
      'keep',
    ]);
    const other = await newCustomer({ externalId: unique('other') });
    const support = await api('POST', `/customers/${survivor}/merge`, {
      body: { duplicateId: other },
      role: 'support',
    });
    expect(support.status).toBe(403);
  });
});
