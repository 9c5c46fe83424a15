// The customer timeline over real HTTP against DynamoDB Local: every item exactly once across
// pages, newest first, the kind filter, and nothing internal in the answer.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../shared/clients/dynamodb.js';
import { newOrderRecord } from '../../shared/domain/order.js';
import { orderToItem } from '../../shared/store/order-repository.js';
import { api, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

type Entry = { kind: string; at: string; id: string; data: Record<string, unknown> };

async function newCustomer(): Promise<string> {
  return (await api('POST', '/customers', { body: { email: `${unique('tl')}@example.com` } })).body.id;
}

/** Every entry of a timeline query, following the cursor, with the size of each page. */
async function allPages(
  customerId: string,
  query: string,
  role: 'admin' | 'marketer' | 'support' = 'marketer',
) {
  const entries: Entry[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await api(
      'GET',
      `/customers/${customerId}/timeline?${query}${cursor ? `&cursor=${cursor}` : ''}`,
      { role },
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.items);
    sizes.push(page.body.items.length);
    cursor = page.body.nextCursor;
    if (!cursor) break;
  }
  return { entries, sizes };
}

/** A customer with events of several kinds, survey answers and a complaint, at known times. */
async function customerWithHistory() {
  const id = await newCustomer();
  const t = (minute: number) => `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const events = [
    { eventId: 'pv-1', kind: 'page_view', url: 'https://shop.example/', occurredAt: t(1) },
    { eventId: 'pv-2', kind: 'product_view', sku: 'TEA-1', occurredAt: t(2) },
    { eventId: 'se-1', kind: 'search', query: 'oolong', occurredAt: t(3) },
    { eventId: 'ca-1', kind: 'add_to_cart', sku: 'TEA-1', quantity: 2, occurredAt: t(4) },
    { eventId: 'cl-1', kind: 'click', target: 'checkout', occurredAt: t(5) },
    { eventId: 'rv-1', kind: 'review', sku: 'TEA-1', rating: 5, text: 'Excellent', occurredAt: t(7) },
    { eventId: 'sh-1', kind: 'share', sku: 'TEA-1', network: 'wechat', occurredAt: t(9) },
    // Two things at the very same instant: both must appear, once each.
    { eventId: 'lk-1', kind: 'like', sku: 'TEA-1', occurredAt: t(11) },
    { eventId: 'co-1', kind: 'comment', text: 'Will buy again', occurredAt: t(11) },
  ];
  const batch = await api('POST', '/events/batch', {
    body: { events: events.map((e) => ({ ...e, customerId: id })) },
  });
  expect(batch.body.created).toBe(events.length);
  const nps = await api('POST', `/customers/${id}/feedback`, {
    body: { feedbackId: 'nps-1', type: 'nps', score: 9, channel: 'email', answeredAt: t(6) },
  });
  const csat = await api('POST', `/customers/${id}/feedback`, {
    body: { feedbackId: 'csat-1', type: 'csat', score: 2, channel: 'web', answeredAt: t(10) },
  });
  const complaint = await api('POST', `/customers/${id}/complaints`, {
    body: { category: 'delivery', severity: 'medium', description: 'Late', channel: 'phone', openedAt: t(8) },
    role: 'support',
  });
  expect([nps.status, csat.status, complaint.status]).toEqual([201, 201, 201]);
  // Newest first, worked out by hand from the times above (the like and the comment share 10:11).
  const newestFirst = [
    ['like or comment', t(11)],
    ['like or comment', t(11)],
    ['feedback', t(10)],
    ['share', t(9)],
    ['complaint', t(8)],
    ['review', t(7)],
    ['feedback', t(6)],
    ['click', t(5)],
    ['add_to_cart', t(4)],
    ['search', t(3)],
    ['product_view', t(2)],
    ['page_view', t(1)],
  ];
  const ids = [...events.map((e) => e.eventId), 'nps-1', 'csat-1', complaint.body.id as string];
  return { id, newestFirst, ids, complaintId: complaint.body.id as string };
}

describe('the customer timeline', () => {
  it('pages through everything exactly once, newest first', async () => {
    const { id, newestFirst, ids } = await customerWithHistory();
    const { entries, sizes } = await allPages(id, 'limit=5');
    expect(sizes.slice(0, 2)).toEqual([5, 5]);
    expect(entries.map((entry) => entry.id).sort()).toEqual([...ids].sort());
    expect(entries.map((entry) => entry.at)).toEqual(newestFirst.map(([, at]) => at));
    expect(entries.slice(2).map((entry) => entry.kind)).toEqual(newestFirst.slice(2).map(([kind]) => kind));
    expect(
      entries
        .slice(0, 2)
        .map((entry) => entry.kind)
        .sort(),
    ).toEqual(['comment', 'like']);
    // Every page size gives the same sequence.
    for (const limit of [1, 3, 12, 100]) {
      expect((await allPages(id, `limit=${limit}`)).entries).toEqual(entries);
    }
  });

  it('shows each kind with its public fields and nothing internal', async () => {
    const { id, complaintId } = await customerWithHistory();
    const page = await api('GET', `/customers/${id}/timeline?limit=100`, { role: 'support' });
    const byId = Object.fromEntries((page.body.items as Entry[]).map((entry) => [entry.id, entry]));
    expect(byId['rv-1']).toEqual({
      kind: 'review',
      at: '2024-05-01T10:07:00.000Z',
      id: 'rv-1',
      data: { sku: 'TEA-1', rating: 5, text: 'Excellent', receivedAt: expect.any(String) },
    });
    expect(byId['ca-1']?.data).toMatchObject({ sku: 'TEA-1', quantity: 2 });
    expect(byId['nps-1']?.data).toMatchObject({
      type: 'nps',
      score: 9,
      npsCategory: 'promoter',
      channel: 'email',
    });
    expect(byId[complaintId]?.data).toMatchObject({
      status: 'open',
      category: 'delivery',
      severity: 'medium',
    });
    const text = JSON.stringify(page.body);
    for (const internal of [
      '"pk"',
      '"sk"',
      'expiresAt',
      'fingerprint',
      'listPk',
      'CUSTOMER#',
      'customerId',
    ]) {
      expect(text).not.toContain(internal);
    }
  });

  it('shows orders as the orders repository stores them', async () => {
    const { id } = await customerWithHistory();
    // The item exactly as the orders feature writes it (its aggregates are not this test's concern).
    const order = newOrderRecord(
      {
        orderId: unique('ord'),
        orderedAt: '2024-05-01T10:12:00.000Z',
        amount: 58,
        currency: 'CNY',
        exchangeRate: 1,
        value: 58,
        valueCurrency: 'CNY',
        items: [{ sku: 'TEA-1', quantity: 2 }],
        channel: 'web',
      },
      id,
      '2024-05-01T10:12:01.000Z',
    );
    await documentClient.send(new PutCommand({ TableName: tableName(), Item: orderToItem(order) }));
    const page = await api('GET', `/customers/${id}/timeline?kind=order,review`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((entry: Entry) => entry.kind)).toEqual(['order', 'review']);
    expect(page.body.items[0]).toMatchObject({
      id: order.orderId,
      at: '2024-05-01T10:12:00.000Z',
      data: { orderId: order.orderId, amount: 58, currency: 'CNY', status: 'placed' },
    });
    expect(page.body.items[0].data.customerId).toBeUndefined();
  });

  it('filters by kind, still every matching item once and newest first', async () => {
    const { id } = await customerWithHistory();
    const { entries } = await allPages(id, 'kind=review,feedback,complaint&limit=2');
    expect(
      entries.map((entry) => [
        entry.kind,
        entry.id === 'nps-1' || entry.id === 'csat-1' ? entry.id : entry.kind,
      ]),
    ).toEqual([
      ['feedback', 'csat-1'],
      ['complaint', 'complaint'],
      ['review', 'review'],
      ['feedback', 'nps-1'],
    ]);
    const clicks = await allPages(id, 'kind=click&limit=1');
    expect(clicks.entries.map((entry) => entry.id)).toEqual(['cl-1']);
    const orders = await allPages(id, 'kind=order');
    expect(orders.entries).toEqual([]);
  });

  it('validates the query, refuses another timeline’s cursor, 404s unknown customers, and is not for ingest', async () => {
    const { id } = await customerWithHistory();
    const badKind = await api('GET', `/customers/${id}/timeline?kind=review,teleport`);
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors).toEqual([
      { field: 'query.kind', message: expect.stringContaining('page_view') },
    ]);
    for (const limit of ['0', '101', 'ten']) {
      const bad = await api('GET', `/customers/${id}/timeline?limit=${limit}`);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe('query.limit');
    }
    const other = await newCustomer();
    await api('POST', `/customers/${other}/events`, { body: { kind: 'click', target: 'a' } });
    await api('POST', `/customers/${other}/events`, { body: { kind: 'click', target: 'b' } });
    const foreign = (await api('GET', `/customers/${other}/timeline?limit=1`)).body.nextCursor;
    expect(foreign).toEqual(expect.any(String));
    const stolen = await api('GET', `/customers/${id}/timeline?cursor=${foreign}`);
    expect(stolen.status).toBe(400);
    expect(stolen.body.errors[0].field).toBe('query.cursor');
    expect((await api('GET', '/customers/cus_01J0000000000000000000UNKN/timeline')).status).toBe(404);
    expect((await api('GET', `/customers/${id}/timeline`, { role: 'ingest' })).status).toBe(403);
    expect((await api('GET', `/customers/${id}/timeline`, { role: null })).status).toBe(401);
  });
});
