// "Customers who bought X also bought Y" end to end, on a local stack of this file's own
// (private-stack.ts), so that the nightly job's population is exactly the customers seeded here
// and no other file's run rewrites the co-purchase table: orders (with product names) go in
// through the orders API, the real `nightly` job counts the co-purchases from the SKUs the orders
// left on the profiles and stores the table, the real `birthday` job suggests products by name,
// and the email is read back from this stack's SES endpoint. Expected suggestions are worked out
// by hand from the baskets below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrivateStack, startPrivateStack } from './private-stack.js';
import { throttlingError } from './faults.js';
import { createCustomer } from './messaging-fixtures.js';

let local: PrivateStack;
/** While set, every attempt to write product names is throttled (see the last test). */
const nameWrites = { throttle: false, throttled: 0 };
let repository: typeof import('../../shared/store/recommendation-repository.js');

let serial = 0;
const unique = (prefix: string) => `${prefix}${process.pid}x${serial++}`;

const AS_OF = '2025-06-30';

const PRODUCTS = {
  tea: 'Green tea',
  cups: 'Tea cups',
  honey: 'Wild honey',
  lemon: 'Lemon',
  kettle: 'Kettle',
  scarf: 'Silk scarf',
} as const;
type Sku = keyof typeof PRODUCTS;

const order = (day: string, skus: readonly Sku[]) => ({
  orderId: unique('ord-'),
  orderedAt: day,
  amount: 30,
  currency: 'USD',
  items: skus.map((sku) => ({ sku, name: PRODUCTS[sku], quantity: 1 })),
});

const createBuyer = (birthDate?: string) =>
  createCustomer(
    { email: `${unique('copurchase')}@example.com`, ...(birthDate ? { birthDate } : {}) },
    local.api,
  );

async function recordOrders(
  customerId: string,
  orders: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  for (const body of orders) {
    const posted = await local.api('POST', `/customers/${customerId}/orders`, { role: 'ingest', body });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  }
}

async function emailsTo(address: string): Promise<Array<{ body: { text?: string; html?: string } }>> {
  const response = await fetch(`${local.stack.urls.ses}/store`);
  const { emails } = (await response.json()) as {
    emails: Array<{ destination: { to: string[] }; body: { text?: string; html?: string } }>;
  };
  return emails.filter((email) => email.destination.to.includes(address));
}

beforeAll(async () => {
  local = await startPrivateStack('co-purchases');
  repository = await import('../../shared/store/recommendation-repository.js');
  const { dynamoDb } = await import('../../shared/clients/dynamodb.js');
  // Inside the SDK's retry loop (as faults.ts throttles), but only the BatchWrites of product
  // names: the audit trail and the orders themselves use the same client and must go through.
  dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      if (
        nameWrites.throttle &&
        context.commandName === 'BatchWriteItemCommand' &&
        JSON.stringify(args.input).includes('PRODUCT#')
      ) {
        nameWrites.throttled++;
        throw throttlingError();
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'throttleProductNames' },
  );
}, 180_000);

afterAll(async () => {
  await local?.stop();
});

describe('co-purchase suggestions from the nightly job', () => {
  // Buyers by 30 June: three bought tea with cups (one of them in two orders), one of them honey
  // too; one tea with honey; one tea with lemon and kettle. Two more bought tea with a scarf only
  // in July: the run of 30 June must not count them.
  //   tea: cups 3, honey 2, kettle 1, lemon 1 (scarf would be 2 if July counted)
  //   lemon: kettle 1, tea 1
  const BUYERS: Array<Array<{ day: string; skus: Sku[] }>> = [
    [{ day: '2025-06-01', skus: ['tea', 'cups'] }],
    [
      { day: '2025-06-02', skus: ['tea'] },
      { day: '2025-06-12', skus: ['cups'] },
    ],
    [{ day: '2025-06-03', skus: ['tea', 'cups', 'honey'] }],
    [{ day: '2025-06-04', skus: ['tea', 'honey'] }],
    [{ day: '2025-06-05', skus: ['tea', 'lemon', 'kettle'] }],
    [{ day: '2025-07-05', skus: ['tea', 'scarf'] }],
    [{ day: '2025-07-06', skus: ['tea', 'scarf'] }],
  ];
  let teaLover: { id: string; email: string };
  let lemonBuyer: { id: string; email: string };

  beforeAll(async () => {
    for (const orders of BUYERS) {
      const buyer = await createBuyer();
      await recordOrders(
        buyer.id,
        orders.map(({ day, skus }) => order(day, skus)),
      );
    }
    // The customers to greet, their orders recorded through the batch endpoint.
    teaLover = await createBuyer('1990-12-20');
    lemonBuyer = await createBuyer('1991-12-20');
    const batch = await local.api('POST', '/orders/batch', {
      role: 'ingest',
      body: {
        orders: [
          { ...order('2025-06-20', ['tea']), customerId: teaLover.id },
          { ...order('2025-06-21', ['lemon']), customerId: lemonBuyer.id },
        ],
      },
    });
    expect(batch.status, JSON.stringify(batch.body)).toBeLessThan(300);
    expect(batch.body.results.map((result: { status: string }) => result.status)).toEqual([
      'created',
      'created',
    ]);
  }, 120_000);

  it('counts co-purchases of the customers who had bought by the as-of date and stores the table', async () => {
    const run = await local.stack.runJob('nightly', { asOf: AS_OF });
    expect(run.events.filter((type) => type === 'analytics.run.completed')).toHaveLength(1);
    expect(local.stack.bus.deadLetters).toEqual([]);

    const table = await repository.loadCoPurchases(['tea', 'lemon', 'scarf']);
    expect(table).toEqual({
      tea: [
        { sku: 'cups', count: 3 },
        { sku: 'honey', count: 2 },
        { sku: 'kettle', count: 1 },
        { sku: 'lemon', count: 1 },
      ],
      lemon: [
        { sku: 'kettle', count: 1 },
        { sku: 'tea', count: 1 },
      ],
    });
    // The names came from the orders, single and batched.
    expect(Object.fromEntries(await repository.productNames(Object.keys(PRODUCTS)))).toEqual(PRODUCTS);
  });

  it('converges when the same night runs again', async () => {
    const before = await repository.loadCoPurchases(['tea', 'cups', 'honey', 'lemon', 'kettle']);
    const rerun = await local.stack.runJob('nightly', { asOf: AS_OF });
    expect(rerun.events.filter((type) => type === 'analytics.run.completed')).toEqual([]);
    expect(await repository.loadCoPurchases(['tea', 'cups', 'honey', 'lemon', 'kettle'])).toEqual(before);
  });

  it('suggests by name what the customers who bought the same products also bought', async () => {
    await local.stack.runJob('birthday', { asOf: '2031-12-20', scheduledTime: '2031-12-20T04:00:00Z' });

    const [tea] = await emailsTo(teaLover.email);
    // Bought tea: cups (3), honey (2), then kettle and lemon (1 each: the tie goes by SKU).
    expect(tea?.body.text).toContain('- Tea cups\n- Wild honey\n- Kettle\n');
    expect(tea?.body.html).toContain('<li>Tea cups</li><li>Wild honey</li><li>Kettle</li>');
    expect(tea?.body.text).not.toContain('Silk scarf');

    const [lemon] = await emailsTo(lemonBuyer.email);
    // Bought lemon: kettle (1) and tea (1), by SKU; nothing else was bought with lemon.
    expect(lemon?.body.text).toContain('- Kettle\n- Green tea\n');
    expect(lemon?.body.html).toContain('<li>Kettle</li><li>Green tea</li>');
  });
});

describe('product names on the order path', () => {
  // A failed name write cannot be provoked from outside: it is throttled (SDK middleware above)
  // for as long as the order request lasts, on the client the order handler uses.
  it('never fail or hold up the order they come with', async () => {
    const customer = await createBuyer();
    const sku = unique('sku-');
    nameWrites.throttle = true;
    try {
      const started = Date.now();
      const posted = await local.api('POST', `/customers/${customer.id}/orders`, {
        role: 'ingest',
        body: { ...order('2025-06-01', []), items: [{ sku, name: 'Unlucky teapot', quantity: 1 }] },
      });
      expect(posted.status, JSON.stringify(posted.body)).toBe(201);
      expect(nameWrites.throttled).toBeGreaterThan(0);
      // The write was given up within its budget (2 s), not left retrying in the background.
      expect(Date.now() - started).toBeLessThan(10_000);
      const attempts = nameWrites.throttled;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(nameWrites.throttled).toBe(attempts);
    } finally {
      nameWrites.throttle = false;
    }
    expect(await repository.productNames([sku])).toEqual(new Map());

    // The next order with that SKU names it.
    await recordOrders(customer.id, [
      { ...order('2025-06-02', []), items: [{ sku, name: 'Lucky teapot', quantity: 1 }] },
    ]);
    expect(await repository.productNames([sku])).toEqual(new Map([[sku, 'Lucky teapot']]));
  }, 120_000);
});
