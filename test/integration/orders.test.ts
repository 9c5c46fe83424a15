// Orders, refunds and batches over real HTTP against DynamoDB Local (the suite's business time
// zone is Asia/Shanghai, business currency USD). Aggregates are read straight from the stored
// profile; every expected figure below is worked out by hand from the orders sent.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCustomer } from '../../shared/store/customer-repository.js';
import { resetConfig } from '../../shared/config.js';
import { resetSettings } from '../../shared/settings.js';
import { recordOrder } from '../../shared/use-cases/orders.js';
import { api, unique, useStackEnvironment } from './support.js';

beforeAll(() => useStackEnvironment());

async function newCustomer(fields: Record<string, unknown> = {}): Promise<string> {
  const created = await api('POST', '/customers', {
    body: { email: `${unique('ord')}@example.com`, ...fields },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const profile = (customerId: string) => loadCustomer(customerId, true);

const order = (overrides: Record<string, unknown> = {}) => ({
  orderId: unique('o'),
  orderedAt: '2024-03-01T10:00:00+08:00',
  amount: 25.5,
  currency: 'USD',
  items: [{ sku: 'TEA-1', name: 'Green tea', category: 'tea', quantity: 2, unitPrice: 12.75 }],
  channel: 'web',
  ...overrides,
});

describe('recording an order', () => {
  it('stores the order on the timeline and updates the aggregates in the same write', async () => {
    const id = await newCustomer();
    // 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai: the business day is the 2nd.
    const first = order({ orderedAt: '2024-03-01T16:30:00Z', amount: 10.1 });
    const second = order({
      orderedAt: '2024-03-02T09:00:00+08:00',
      amount: 20.2,
      items: [
        { sku: 'CUP-1', category: 'ware', quantity: 1 },
        { sku: 'TEA-1', category: 'tea', quantity: 3 },
      ],
    });
    const third = order({ orderedAt: '2024-02-10T12:00:00+08:00', amount: 0.3, items: [] });
    const created = await api('POST', `/customers/${id}/orders`, { body: first, role: 'ingest' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      orderId: first.orderId,
      customerId: id,
      orderedAt: '2024-03-01T16:30:00.000Z',
      amount: 10.1,
      currency: 'USD',
      value: 10.1,
      valueCurrency: 'USD',
      status: 'placed',
      refundedAmount: 0,
      refunds: [],
    });
    expect(created.body.revision).toBeUndefined();
    for (const next of [second, third]) {
      expect((await api('POST', `/customers/${id}/orders`, { body: next })).status).toBe(201);
    }

    const stored = await profile(id);
    expect(stored.orderCount).toBe(3);
    expect(stored.totalSpend).toBe(30.6); // 10.1 + 20.2 + 0.3, with no floating-point residue
    expect(stored.dailySpend).toEqual({ '2024-03-02': 30.3, '2024-02-10': 0.3 });
    expect(stored.dailyOrders).toEqual({ '2024-03-02': 2, '2024-02-10': 1 });
    expect(stored.categoryCounts).toEqual({ tea: 5, ware: 1 });
    expect(stored.skus).toEqual(['TEA-1', 'CUP-1']);
    expect(stored.firstOrderAt).toBe('2024-02-10T04:00:00.000Z');
    expect(stored.lastOrderAt).toBe('2024-03-02T01:00:00.000Z');
  });

  it('takes a bare date as the start of that business-local day', async () => {
    const id = await newCustomer();
    const sent = await api('POST', `/customers/${id}/orders`, {
      body: order({ orderedAt: '2024-05-01', amount: 5 }),
    });
    expect(sent.status).toBe(201);
    expect(sent.body.orderedAt).toBe('2024-04-30T16:00:00.000Z'); // midnight in Shanghai
    expect((await profile(id)).dailySpend).toEqual({ '2024-05-01': 5 });
  });

  it('counts a retried order once and answers the retry with the first result', async () => {
    const id = await newCustomer();
    const body = order({ amount: 42 });
    const first = await api('POST', `/customers/${id}/orders`, { body });
    const retry = await api('POST', `/customers/${id}/orders`, { body });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const stored = await profile(id);
    expect(stored.orderCount).toBe(1);
    expect(stored.totalSpend).toBe(42);
  });

  it('counts an order posted many times at once exactly once', async () => {
    const id = await newCustomer();
    const body = order({ amount: 19.99 });
    const racing = await Promise.all(
      Array.from({ length: 8 }, () => api('POST', `/customers/${id}/orders`, { body })),
    );
    const statuses = racing.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    for (const response of racing) expect(response.body.orderId).toBe(body.orderId);
    const stored = await profile(id);
    expect(stored.orderCount).toBe(1);
    expect(stored.totalSpend).toBe(19.99);
    expect(stored.dailyOrders).toEqual({ '2024-03-01': 1 });
  });

  it('counts every one of many different orders of one customer arriving at once', async () => {
    const id = await newCustomer();
    const days = Array.from({ length: 12 }, (_, i) => i + 1);
    const sent = await Promise.all(
      days.map((day) =>
        api('POST', `/customers/${id}/orders`, {
          body: order({
            orderedAt: `2024-01-${String(day).padStart(2, '0')}T12:00:00+08:00`,
            amount: day,
            items: [{ sku: `SKU-${day}`, category: day % 2 ? 'odd' : 'even', quantity: 1 }],
          }),
        }),
      ),
    );
    expect(sent.map((response) => response.status)).toEqual(days.map(() => 201));
    const stored = await profile(id);
    expect(stored.orderCount).toBe(12);
    expect(stored.totalSpend).toBe(78); // 1 + 2 + … + 12
    expect(stored.categoryCounts).toEqual({ odd: 6, even: 6 });
    expect([...(stored.skus as string[])].sort()).toEqual(days.map((day) => `SKU-${day}`).sort());
    expect(stored.firstOrderAt).toBe('2024-01-01T04:00:00.000Z');
    expect(stored.lastOrderAt).toBe('2024-01-12T04:00:00.000Z');
  });

  it('refuses an order id already recorded with other details or for another customer', async () => {
    const id = await newCustomer();
    const other = await newCustomer();
    const body = order();
    expect((await api('POST', `/customers/${id}/orders`, { body })).status).toBe(201);
    const changed = await api('POST', `/customers/${id}/orders`, { body: { ...body, amount: 99 } });
    expect(changed.status).toBe(409);
    expect(changed.body.errors).toEqual([
      { field: 'orderId', message: expect.stringContaining('different details') },
    ]);
    const elsewhere = await api('POST', `/customers/${other}/orders`, { body });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.errors[0].field).toBe('orderId');
    expect((await profile(other)).orderCount).toBe(0);
  });

  it('answers 400 naming each bad field, 404 for an unknown customer and 410 for an erased one', async () => {
    const id = await newCustomer();
    const bad = await api('POST', `/customers/${id}/orders`, {
      body: {
        orderId: 'has#hash',
        orderedAt: '2024-13-01T00:00:00Z',
        amount: -1,
        currency: 'usd',
        items: [{ quantity: 0 }],
        coupon: 'X',
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(
      ['amount', 'coupon', 'currency', 'items.0.quantity', 'orderId', 'orderedAt'].sort(),
    );

    const future = new Date(Date.now() + 3600_000).toISOString();
    const checks: Array<[Record<string, unknown>, string, string]> = [
      [{ currency: 'XYZ' }, 'currency', 'not an ISO 4217'],
      [{ currency: 'EUR' }, 'currency', 'no exchange rate'],
      [{ orderedAt: future }, 'orderedAt', 'in the future'],
      [{ amount: 10.005 }, 'amount', 'decimals'],
      [{ currency: 'JPY', amount: 100.5 }, 'currency', 'no exchange rate'],
    ];
    for (const [change, field, message] of checks) {
      const refused = await api('POST', `/customers/${id}/orders`, { body: order(change) });
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(refused.body.errors).toContainEqual({ field, message: expect.stringContaining(message) });
    }
    // A couple of minutes of client clock skew is tolerated.
    const skewed = await api('POST', `/customers/${id}/orders`, {
      body: order({ orderedAt: new Date(Date.now() + 60_000).toISOString() }),
    });
    expect(skewed.status).toBe(201);

    const unknown = await api('POST', '/customers/cus_01J0000000000000000000UNKN/orders', { body: order() });
    expect(unknown.status).toBe(404);
    const erased = await newCustomer();
    expect((await api('DELETE', `/customers/${erased}`)).status).toBe(204);
    expect((await api('POST', `/customers/${erased}/orders`, { body: order() })).status).toBe(410);
    expect((await api('POST', `/customers/${id}/orders`, { body: order(), role: 'marketer' })).status).toBe(
      403,
    );
    expect((await api('POST', `/customers/${id}/orders`, { body: order(), role: null })).status).toBe(401);
  });
});

describe('orders in another currency', () => {
  afterEach(() => {
    delete process.env.RETAIN_SETTINGS;
    resetConfig();
    resetSettings();
  });

  it('converts at the configured rate, keeps the original amount and aggregates the converted value', async () => {
    // The stack runs with the default settings (USD, no rates): the use case runs here, against
    // the same DynamoDB Local, with a business that keeps its books in CNY.
    process.env.RETAIN_SETTINGS = JSON.stringify({
      commerce: { currency: 'CNY', exchangeRates: { USD: 7.1, JPY: 0.048 } },
    });
    resetConfig();
    resetSettings();
    const id = await newCustomer();
    const dollars = await recordOrder(id, order({ amount: 19.99, currency: 'USD' }));
    const yen = await recordOrder(id, order({ amount: 1234, currency: 'JPY' }));
    expect(dollars.order).toMatchObject({
      amount: 19.99,
      currency: 'USD',
      exchangeRate: 7.1,
      value: 141.93,
      valueCurrency: 'CNY',
    });
    expect(yen.order).toMatchObject({ amount: 1234, currency: 'JPY', value: 59.23 }); // 1234 × 0.048 = 59.232
    expect((await profile(id)).totalSpend).toBe(201.16);
  });
});

describe('refunds and cancellations', () => {
  it('a partial and then a full refund adjust the order and the aggregates', async () => {
    const id = await newCustomer();
    const placed = order({ amount: 100, orderedAt: '2024-03-01T23:30:00+08:00' });
    const kept = order({ amount: 50, orderedAt: '2024-03-01T10:00:00+08:00' });
    await api('POST', `/customers/${id}/orders`, { body: placed });
    await api('POST', `/customers/${id}/orders`, { body: kept });

    const partial = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
      body: { refundId: 'r-1', amount: 30.25, reason: 'damaged box' },
      role: 'ingest',
    });
    expect(partial.status).toBe(201);
    expect(partial.body.refund).toMatchObject({
      refundId: 'r-1',
      kind: 'refund',
      amount: 30.25,
      value: 30.25,
    });
    expect(partial.body.order).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 30.25,
      refundedValue: 30.25,
    });
    let stored = await profile(id);
    expect(stored.totalSpend).toBe(119.75); // 150 − 30.25
    expect(stored.refundTotal).toBe(30.25);
    expect(stored.dailySpend).toEqual({ '2024-03-01': 119.75 });
    expect(stored.orderCount).toBe(2);

    // A retried refund (same refundId) is applied once.
    const retried = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
      body: { refundId: 'r-1', amount: 30.25, reason: 'damaged box' },
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(partial.body);

    const tooMuch = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
      body: { amount: 70 },
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.errors).toEqual([{ field: 'amount', message: expect.stringContaining('69.75') }]);

    const rest = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, { body: {} });
    expect(rest.status).toBe(201);
    expect(rest.body.refund.amount).toBe(69.75);
    expect(rest.body.order).toMatchObject({ status: 'refunded', refundedAmount: 100, refundedValue: 100 });
    stored = await profile(id);
    expect(stored.totalSpend).toBe(50);
    expect(stored.refundTotal).toBe(100);
    expect(stored.dailySpend).toEqual({ '2024-03-01': 50 });
    // The refunded order still happened: it keeps counting as an order.
    expect(stored.orderCount).toBe(2);

    const again = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, { body: {} });
    expect(again.status).toBe(409);
  });

  it('applies concurrent refunds of one order each once, never beyond the order amount', async () => {
    const id = await newCustomer();
    const placed = order({ amount: 10 });
    await api('POST', `/customers/${id}/orders`, { body: placed });
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
          body: { refundId: `r${i}`, amount: 3 },
        }),
      ),
    );
    // Three refunds of 3 fit into 10; the others find too little left.
    expect(racing.map((response) => response.status).sort()).toEqual([201, 201, 201, 400, 400, 400]);
    const stored = await profile(id);
    expect(stored.totalSpend).toBe(1);
    expect(stored.refundTotal).toBe(9);
  });

  it('cancels an order: the whole amount is refunded and the status says cancelled', async () => {
    const id = await newCustomer();
    const placed = order({ amount: 12.5 });
    await api('POST', `/customers/${id}/orders`, { body: placed });
    const wrong = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
      body: { kind: 'cancellation', amount: 5 },
    });
    expect(wrong.status).toBe(400);
    const cancelled = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
      body: { kind: 'cancellation', reason: 'customer changed their mind' },
    });
    expect(cancelled.status).toBe(201);
    expect(cancelled.body.order).toMatchObject({ status: 'cancelled', refundedAmount: 12.5 });
    expect((await profile(id)).totalSpend).toBe(0);
  });

  it('answers 404 for an order of another customer or an unknown order', async () => {
    const id = await newCustomer();
    const other = await newCustomer();
    const placed = order();
    await api('POST', `/customers/${id}/orders`, { body: placed });
    expect(
      (await api('POST', `/customers/${other}/orders/${placed.orderId}/refund`, { body: {} })).status,
    ).toBe(404);
    expect((await api('POST', `/customers/${id}/orders/nope-1/refund`, { body: {} })).status).toBe(404);
    const bad = await api('POST', `/customers/${id}/orders/${placed.orderId}/refund`, {
      body: { amount: -3, extra: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'amount',
      'extra',
    ]);
  });
});

describe('the batch endpoint', () => {
  it('answers each entry on its own: created, duplicate, or refused with its fields', async () => {
    const id = await newCustomer();
    const externalId = unique('ext');
    const byExternal = await newCustomer({ externalId });
    const email = `${unique('mail')}@example.com`;
    const byEmail = await newCustomer({ email });
    const repeated = order({ customerId: id, amount: 7 });
    const entries = [
      repeated,
      order({ externalId, amount: 3 }),
      order({ email: email.toUpperCase(), amount: 4 }),
      { ...repeated },
      order({ customerId: id, amount: -5 }),
      order({ externalId: 'nobody-has-this', amount: 1 }),
      order({ amount: 1 }),
      'not an order',
    ];
    const response = await api('POST', '/orders/batch', { body: { orders: entries }, role: 'ingest' });
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
    expect(response.body).toMatchObject({ created: 3, duplicates: 1, errors: 4, customersCreated: 0 });
    expect(results[1].customerId).toBe(byExternal);
    expect(results[2].customerId).toBe(byEmail);
    expect(results[3]).toMatchObject({ orderId: repeated.orderId, customerId: id, value: 7 });
    expect(results[0]).toMatchObject({ orderId: repeated.orderId, customerId: id, value: 7 });
    expect(results[4].error).toMatchObject({
      status: 400,
      errors: [{ field: 'amount', message: expect.any(String) }],
    });
    expect(results[5].error.status).toBe(404);
    expect(results[6].error.errors[0].field).toBe('customerId');
    expect(results[7].error.status).toBe(400);
    expect((await profile(id)).totalSpend).toBe(7);

    // The whole batch again (a client retry): nothing new is counted.
    const retry = await api('POST', '/orders/batch', { body: { orders: entries } });
    expect(retry.body).toMatchObject({ created: 0, duplicates: 4, errors: 4 });
    expect((await profile(id)).orderCount).toBe(1);
    expect((await profile(byExternal)).totalSpend).toBe(3);
  });

  it('creates a profile for an unknown external id when asked, once even when batches race', async () => {
    const externalId = unique('new');
    const batch = (n: number) => ({
      createMissing: true,
      orders: [order({ externalId, orderId: `${externalId}-${n}`, amount: 2 })],
    });
    const racing = await Promise.all(
      [1, 2, 3, 4].map((n) => api('POST', '/orders/batch', { body: batch(n) })),
    );
    const ids = new Set(racing.map((response) => response.body.results[0].customerId));
    expect(ids.size).toBe(1);
    expect(racing.filter((response) => response.body.customersCreated === 1)).toHaveLength(1);
    const [customerId] = [...ids] as [string];
    const stored = await profile(customerId);
    expect(stored.externalId).toBe(externalId);
    expect(stored.orderCount).toBe(4);
    expect(stored.totalSpend).toBe(8);
  });

  it('refuses more than 100 orders and a body that is not a batch', async () => {
    const tooMany = await api('POST', '/orders/batch', {
      body: { orders: Array.from({ length: 101 }, () => order()) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('orders');
    const empty = await api('POST', '/orders/batch', { body: { orders: [] } });
    expect(empty.status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('makes a POST safe to retry: same answer, one effect; another body with the key is refused', async () => {
    const key = unique('idem');
    const body = { email: `${unique('idem')}@example.com` };
    const first = await api('POST', '/customers', { body, headers: { 'idempotency-key': key } });
    const retry = await api('POST', '/customers', { body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));

    const reused = await api('POST', '/customers', {
      body: { email: `${unique('other')}@example.com` },
      headers: { 'idempotency-key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.errors[0].field).toBe('Idempotency-Key');

    // Keys belong to the caller: another client's same key is another request.
    const otherCaller = await api('POST', '/customers', {
      body,
      headers: { 'idempotency-key': key },
      role: 'ingest',
    });
    expect(otherCaller.status).toBe(409); // the email is taken by the first customer: the request really ran
  });

  it('runs a request once when retries with the key arrive while it is still running', async () => {
    const key = unique('race');
    const id = await newCustomer();
    const body = order({ amount: 5 });
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        api('POST', `/customers/${id}/orders`, { body, headers: { 'idempotency-key': key } }),
      ),
    );
    const statuses = racing.map((response) => response.status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect((await profile(id)).orderCount).toBe(1);
  });

  it('frees the key when the request fails, so a corrected retry runs', async () => {
    const key = unique('fail');
    const id = await newCustomer();
    const refused = await api('POST', `/customers/${id}/orders`, {
      body: order({ amount: -1 }),
      headers: { 'idempotency-key': key },
    });
    expect(refused.status).toBe(400);
    const corrected = await api('POST', `/customers/${id}/orders`, {
      body: order(),
      headers: { 'idempotency-key': key },
    });
    expect(corrected.status).toBe(201);
    const invalidKey = await api('POST', `/customers/${id}/orders`, {
      body: order(),
      headers: { 'idempotency-key': ' ' },
    });
    expect(invalidKey.status).toBe(400);
    expect(invalidKey.body.errors[0].field).toBe('Idempotency-Key');
  });
});
