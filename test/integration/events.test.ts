// Behaviour and social events over real HTTP against DynamoDB Local: idempotent counting,
// validation, unknown customers, retention (TTL attribute) and the batch route.
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../shared/clients/dynamodb.js';
import { loadCustomer } from '../../shared/store/customer-repository.js';
import { recordEvent } from '../../shared/use-cases/activity.js';
import { api, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

async function newCustomer(): Promise<string> {
  const created = await api('POST', '/customers', { body: { email: `${unique('ev')}@example.com` } });
  expect(created.status).toBe(201);
  return created.body.id;
}

const eventCounts = async (customerId: string) => (await loadCustomer(customerId, true)).eventCounts;

/** The customer's stored timeline items, straight from DynamoDB. */
async function storedItems(customerId: string) {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :tl)',
      ExpressionAttributeValues: { ':pk': `CUSTOMER#${customerId}`, ':tl': 'TL#' },
    }),
  );
  return result.Items ?? [];
}

const UNKNOWN = 'cus_01J0000000000000000000UNKN';
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('recording one event', () => {
  it('counts a retried event once, and refuses the same eventId for a different event', async () => {
    const id = await newCustomer();
    const review = {
      eventId: unique('rv'),
      kind: 'review',
      sku: 'TEA-1',
      rating: 4,
      text: 'Lovely tea',
      channel: 'web',
    };
    const first = await api('POST', `/customers/${id}/events`, { body: review, role: 'ingest' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      eventId: review.eventId,
      customerId: id,
      kind: 'review',
      status: 'created',
    });

    const retry = await api('POST', `/customers/${id}/events`, { body: review, role: 'ingest' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ ...first.body, status: 'duplicate' });

    // Five deliveries of one new event at the same moment: one is stored, four are duplicates.
    const like = { eventId: unique('lk'), kind: 'like', productId: 'p-7' };
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => api('POST', `/customers/${id}/events`, { body: like, role: 'ingest' })),
    );
    expect(racing.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 201]);

    const reused = await api('POST', `/customers/${id}/events`, {
      body: { ...review, rating: 1 },
      role: 'ingest',
    });
    expect(reused.status).toBe(409);
    expect(reused.body.errors).toEqual([{ field: 'eventId', message: expect.any(String) }]);

    expect(await eventCounts(id)).toEqual({ review: 1, like: 1 });
    expect(await storedItems(id)).toHaveLength(2);
  });

  it('gives an event without eventId a server id and counts each one', async () => {
    const id = await newCustomer();
    const click = { kind: 'click', target: 'buy-now' };
    const a = await api('POST', `/customers/${id}/events`, { body: click });
    const b = await api('POST', `/customers/${id}/events`, { body: click });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.eventId).toMatch(/^evt_/);
    expect(a.body.eventId).not.toBe(b.body.eventId);
    expect(await eventCounts(id)).toEqual({ click: 2 });
  });

  it('answers 404 for an unknown customer and 410 for an erased one, storing nothing', async () => {
    const unknown = await api('POST', `/customers/${UNKNOWN}/events`, {
      body: { kind: 'click', target: 'x' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(await storedItems(UNKNOWN)).toEqual([]);

    const id = await newCustomer();
    expect((await api('DELETE', `/customers/${id}`)).status).toBe(204);
    const erased = await api('POST', `/customers/${id}/events`, { body: { kind: 'click', target: 'x' } });
    expect(erased.status).toBe(410);
    expect(await storedItems(id)).toEqual([]);
  });

  it('accepts a client clock a little fast, refuses a date beyond the allowed skew', async () => {
    const id = await newCustomer();
    const soon = await api('POST', `/customers/${id}/events`, {
      body: { kind: 'search', query: 'oolong', occurredAt: minutesFromNow(4) },
    });
    expect(soon.status).toBe(201);
    const later = await api('POST', `/customers/${id}/events`, {
      body: { kind: 'search', query: 'oolong', occurredAt: minutesFromNow(10) },
    });
    expect(later.status).toBe(400);
    expect(later.body.errors.map((error: { field: string }) => error.field)).toEqual(['occurredAt']);
    expect(await eventCounts(id)).toEqual({ search: 1 });
  });

  it('names every bad field, and the kind when it is unknown', async () => {
    const id = await newCustomer();
    const bad = await api('POST', `/customers/${id}/events`, {
      body: { kind: 'review', sku: 'S', rating: 6, text: 'x'.repeat(2001), mood: 'happy' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'mood',
      'rating',
      'text',
    ]);
    const unknownKind = await api('POST', `/customers/${id}/events`, { body: { kind: 'teleport' } });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.errors[0]).toEqual({
      field: 'kind',
      message: expect.stringContaining('page_view'),
    });
    const badPath = await api('POST', '/customers/nope/events', { body: { kind: 'click', target: 'x' } });
    expect(badPath.body.errors[0].field).toBe('path.id');
    expect(await eventCounts(id)).toEqual({});
  });

  it('lets only ingest and admin post events', async () => {
    const id = await newCustomer();
    const body = { kind: 'click', target: 'x' };
    expect((await api('POST', `/customers/${id}/events`, { body, role: null })).status).toBe(401);
    expect((await api('POST', `/customers/${id}/events`, { body, role: 'marketer' })).status).toBe(403);
    expect((await api('POST', `/customers/${id}/events`, { body, role: 'support' })).status).toBe(403);
    expect((await api('POST', '/events/batch', { body: { events: [] }, role: 'marketer' })).status).toBe(403);
  });
});

describe('retention', () => {
  it('stamps raw behaviour events with a TTL 90 days after they occurred, and keeps social events', async () => {
    const id = await newCustomer();
    const occurredAt = '2024-05-01T10:00:00+08:00';
    await api('POST', `/customers/${id}/events`, {
      body: { kind: 'page_view', url: 'https://shop.example/', occurredAt },
    });
    await api('POST', `/customers/${id}/events`, {
      body: { kind: 'comment', text: 'Where is my parcel?', occurredAt },
    });
    const items = await storedItems(id);
    const byKind = Object.fromEntries(items.map((item) => [item.kind, item]));
    // 2024-05-01T02:00:00Z + 90 days, in epoch seconds.
    expect(byKind.page_view?.expiresAt).toBe(Date.UTC(2024, 4, 1, 2) / 1000 + 90 * 86_400);
    expect(byKind.page_view?.at).toBe('2024-05-01T02:00:00.000Z');
    expect(byKind.comment?.expiresAt).toBeUndefined();
  });

  it('keeps the counts when the raw event expires, and still counts a late retry once', async () => {
    const id = await newCustomer();
    const view = { eventId: unique('pv'), kind: 'product_view', sku: 'TEA-9' };
    expect((await api('POST', `/customers/${id}/events`, { body: view })).status).toBe(201);
    // DynamoDB Local keeps expired items; delete the raw event as the TTL sweeper would.
    const [raw] = await storedItems(id);
    await documentClient.send(
      new DeleteCommand({ TableName: tableName(), Key: { pk: raw?.pk, sk: raw?.sk } }),
    );
    expect(await storedItems(id)).toEqual([]);
    expect(await eventCounts(id)).toEqual({ product_view: 1 });
    const late = await api('POST', `/customers/${id}/events`, { body: view });
    expect(late.status).toBe(200);
    expect(late.body.status).toBe('duplicate');
    expect(await eventCounts(id)).toEqual({ product_view: 1 });
  });

  it('uses the configured retention', async () => {
    const id = await newCustomer();
    const settings = () => ({ retentionDays: 7, clockSkewSeconds: 300 });
    const clock = { now: () => new Date('2024-06-01T00:00:00Z') };
    await recordEvent(
      id,
      { kind: 'click', target: 'x', occurredAt: '2024-05-31T00:00:00Z' },
      { clock, settings },
    );
    const [item] = await storedItems(id);
    expect(item?.expiresAt).toBe(Date.UTC(2024, 4, 31) / 1000 + 7 * 86_400);
  });
});

describe('the batch route', () => {
  it('answers each event on its own: created, duplicate, or an error naming its field', async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const e1 = unique('e');
    const events = [
      { customerId: a, eventId: e1, kind: 'page_view', url: 'https://shop.example/a' },
      { customerId: a, eventId: unique('e'), kind: 'add_to_cart', sku: 'TEA-1', quantity: 2 },
      { customerId: b, eventId: unique('e'), kind: 'review', sku: 'TEA-1', rating: 5 },
      { customerId: a, eventId: e1, kind: 'page_view', url: 'https://shop.example/a' },
      { customerId: UNKNOWN, eventId: unique('e'), kind: 'click', target: 'x' },
      { customerId: b, eventId: unique('e'), kind: 'review', sku: 'TEA-1', rating: 9 },
      { customerId: b, kind: 'click', target: 'x' },
      { customerId: b, eventId: unique('e'), kind: 'click', target: 'x', occurredAt: minutesFromNow(60) },
    ];
    const response = await api('POST', '/events/batch', { body: { events }, role: 'ingest' });
    expect(response.status).toBe(200);
    const { results } = response.body;
    expect(results.map((result: { status: string }) => result.status)).toEqual([
      'created',
      'created',
      'created',
      'duplicate',
      'error',
      'error',
      'error',
      'error',
    ]);
    expect(results.map((result: { index: number }) => result.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results[4].error).toMatchObject({ status: 404, errors: [{ field: 'events.4.customerId' }] });
    expect(results[5].error).toMatchObject({ status: 400, errors: [{ field: 'events.5.rating' }] });
    expect(results[6].error).toMatchObject({ status: 400, errors: [{ field: 'events.6.eventId' }] });
    expect(results[7].error).toMatchObject({ status: 400, errors: [{ field: 'events.7.occurredAt' }] });
    expect(response.body).toMatchObject({ created: 3, duplicates: 1, errors: 4 });
    expect(await eventCounts(a)).toEqual({ page_view: 1, add_to_cart: 1 });
    expect(await eventCounts(b)).toEqual({ review: 1 });

    // The client did not hear back and sends the whole batch again: nothing is counted twice.
    const again = await api('POST', '/events/batch', { body: { events }, role: 'ingest' });
    expect(again.body).toMatchObject({ created: 0, duplicates: 4, errors: 4 });
    expect(await eventCounts(a)).toEqual({ page_view: 1, add_to_cart: 1 });
    expect(await eventCounts(b)).toEqual({ review: 1 });
  });

  it('takes 100 events of several customers in one call and refuses 101', async () => {
    const customers = [await newCustomer(), await newCustomer(), await newCustomer()];
    const kinds = ['page_view', 'product_view', 'search', 'click', 'like'] as const;
    const fieldsOf = {
      page_view: { url: 'https://shop.example/' },
      product_view: { productId: 'p1' },
      search: { query: 'tea' },
      click: { target: 'banner' },
      like: { sku: 'S1' },
    };
    const events = Array.from({ length: 100 }, (_, i) => {
      const kind = kinds[i % kinds.length] as (typeof kinds)[number];
      return { customerId: customers[i % 3], eventId: `bulk-${i}`, kind, ...fieldsOf[kind] };
    });
    // Expected counts worked out independently: event i goes to customer i % 3 with kind i % 5.
    const expected = customers.map(() => ({}) as Record<string, number>);
    for (let i = 0; i < 100; i++) {
      const counts = expected[i % 3] as Record<string, number>;
      const kind = kinds[i % 5] as string;
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    const response = await api('POST', '/events/batch', { body: { events } });
    expect(response.body).toMatchObject({ created: 100, duplicates: 0, errors: 0 });
    for (const [index, id] of customers.entries()) expect(await eventCounts(id)).toEqual(expected[index]);

    const tooMany = await api('POST', '/events/batch', { body: { events: [...events, events[0]] } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors.map((error: { field: string }) => error.field)).toEqual(['events']);
    const empty = await api('POST', '/events/batch', { body: { events: [] } });
    expect(empty.status).toBe(400);
  });
});
